import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisBroker } from '../../src/broker/redis'
import type { Broker } from '../../src/broker/types'
import { eventually, freePort, startRedis, type RedisProcess } from '../helpers/redis-server'
import { brokerContract } from './broker-contract'

const URL = 'redis://127.0.0.1:6379'
const prefix = `test:${randomBytes(4).toString('hex')}:`
let admin: Redis

beforeAll(() => {
  admin = new Redis(URL)
})
afterAll(async () => {
  // Pub/sub keeps no keys; make sure no connection of this run is left behind.
  const left = (await admin.client('LIST')) as string
  expect(left.split('\n').filter((l) => l.includes(prefix))).toEqual([])
  await admin.quit()
})

const names = (list: string, nodeId: string) => list.split('\n').filter((l) => l.includes(`name=${nodeId}:`)).length

brokerContract('RedisBroker', () => ({
  multiNode: true,
  make: (nodeId) => new RedisBroker({ url: URL, prefix, nodeId: `${prefix}${nodeId}` }),
  openConnections: async (nodeId) => names((await admin.client('LIST')) as string, `${prefix}${nodeId}`),
}))

describe('RedisBroker on a Redis that dies and comes back', () => {
  let redis: RedisProcess
  const brokers: Broker[] = []

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()))
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('turns unhealthy, rejects publishes fast, then resubscribes and reports the reconnect', async () => {
    const got: string[] = []
    let reconnects = 0
    const a = new RedisBroker({ url: redis.url, nodeId: 'restart-a', maxRetryDelayMs: 200 })
    const b = new RedisBroker({ url: redis.url, nodeId: 'restart-b', maxRetryDelayMs: 200 })
    brokers.push(a, b)
    await a.start({ onMessage: () => {}, onReconnect: () => {} })
    await b.start({ onMessage: (_c, d) => got.push(d), onReconnect: () => reconnects++ })
    await b.subscribe('room:lobby')
    await b.subscribe('room:other')
    await a.publish('room:lobby', 'one')
    await eventually(() => got.includes('one'), 5000, 'first frame')

    await redis.stop()
    await eventually(() => !a.healthy() && !b.healthy(), 5000, 'unhealthy after the kill')
    // Rejects instead of queueing until Redis is back (the bound is generous: a hang fails it).
    const outcome = await Promise.race([
      a.publish('room:lobby', 'lost').then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ])
    expect(outcome).toBe('rejected')
    // Leaving a room while Redis is down succeeds; the channel is simply not restored.
    await b.unsubscribe('room:other')
    expect(reconnects).toBe(0)

    await redis.restart()
    await eventually(() => reconnects === 1 && a.healthy() && b.healthy(), 15_000, 'onReconnect after restart')
    await a.publish('room:lobby', 'two')
    await a.publish('room:other', 'not wanted')
    await eventually(() => got.includes('two'), 5000, 'delivery after restart')
    expect(got).toEqual(['one', 'two'])
    expect(reconnects).toBe(1)
  })

  it('rejects a subscribe while the link is down and restores it on reconnect', async () => {
    const got: string[] = []
    let reconnects = 0
    const a = new RedisBroker({ url: redis.url, nodeId: 'restart-c', maxRetryDelayMs: 200 })
    const b = new RedisBroker({ url: redis.url, nodeId: 'restart-d', maxRetryDelayMs: 200 })
    brokers.push(a, b)
    await a.start({ onMessage: () => {}, onReconnect: () => {} })
    await b.start({ onMessage: (_c, d) => got.push(d), onReconnect: () => reconnects++ })
    await redis.stop()
    await eventually(() => !b.healthy(), 5000, 'unhealthy')
    await expect(b.subscribe('room:late')).rejects.toThrow(/restored on reconnect/)
    await redis.restart()
    await eventually(() => reconnects === 1, 15_000, 'onReconnect')
    await eventually(() => a.healthy(), 15_000, 'publisher back')
    await a.publish('room:late', 'hello')
    await eventually(() => got.length === 1, 5000, 'delivery on the restored channel')
    expect(got).toEqual(['hello'])
  })

  it('notices a Redis that stops answering without closing the socket, and recovers', async () => {
    let reconnects = 0
    const got: string[] = []
    const b = new RedisBroker({ url: redis.url, nodeId: 'stall', maxRetryDelayMs: 200, commandTimeoutMs: 300, pingIntervalMs: 200 })
    brokers.push(b)
    await b.start({ onMessage: (_c, d) => got.push(d), onReconnect: () => reconnects++ })
    await b.subscribe('room:stall')
    const admin = new Redis(redis.url)
    try {
      await admin.client('PAUSE', 3000, 'ALL')
      await eventually(() => !b.healthy(), 5000, 'unhealthy while Redis is stalled')
      await eventually(() => reconnects === 1 && b.healthy(), 15_000, 'back after the pause')
      await admin.publish('chat:room:stall', 'after') // default prefix
      await eventually(() => got.includes('after'), 5000, 'delivery after the stall')
    } finally {
      admin.disconnect()
    }
  })

  it('fails start() with a clear error when nothing listens', async () => {
    const port = await freePort()
    const b = new RedisBroker({ url: `redis://127.0.0.1:${port}`, startTimeoutMs: 500 })
    await expect(b.start({ onMessage: () => {}, onReconnect: () => {} })).rejects.toThrow(/did not answer.*REDIS_URL/)
    expect(b.healthy()).toBe(false)
  })
})
