import { randomBytes } from 'node:crypto'
import calculateSlot from 'cluster-key-slot'
import { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisClusterBroker } from '../../src/broker/redis-cluster'
import { eventually, startRedisCluster, type RedisClusterProcess } from '../helpers/redis-server'
import { brokerContract } from './broker-contract'

const prefix = `test:${randomBytes(4).toString('hex')}:`
let cluster: RedisClusterProcess
/** [first slot, last slot] of each master. */
let ranges: Array<[number, number]> = []

beforeAll(async () => {
  cluster = await startRedisCluster()
  const c = new Cluster(cluster.nodes)
  await new Promise((r) => c.once('ready', r))
  const slots = (await c.cluster('SLOTS')) as Array<[number, number]>
  ranges = slots.map(([a, b]) => [a, b] as [number, number])
  await c.quit()
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
})

const shardIndex = (channel: string) => {
  const slot = calculateSlot(prefix + channel)
  return ranges.findIndex(([a, b]) => slot >= a && slot <= b)
}

/** Random channel names, at least count/3 on each shard. */
function spread(count: number): string[] {
  const per = Math.ceil(count / ranges.length)
  const buckets: string[][] = ranges.map(() => [])
  while (buckets.some((b) => b.length < per)) {
    const ch = `room:${randomBytes(5).toString('hex')}`
    const b = buckets[shardIndex(ch)]
    if (b.length < per) b.push(ch)
  }
  return buckets.flat().slice(0, Math.max(count, ranges.length))
}

const brokerOf = (nodeId: string) =>
  new RedisClusterBroker({ url: cluster.url, prefix, nodeId: `${prefix}${nodeId}`, maxRetryDelayMs: 200 })

brokerContract('RedisClusterBroker (sharded pub/sub, 3 masters)', () => ({
  multiNode: true,
  make: brokerOf,
  spreadChannels: spread,
  openConnections: async (nodeId) => {
    let n = 0
    for (const node of cluster.nodes) {
      const c = new Cluster([node])
      await new Promise((r) => c.once('ready', r))
      const list = (await c
        .nodes('master')
        .find((m) => m.options.port === node.port)!
        .client('LIST')) as string
      n += list.split('\n').filter((l) => l.includes(`name=${prefix}${nodeId}:`)).length
      await c.quit()
    }
    return n
  },
}))

describe('RedisClusterBroker', () => {
  const open: RedisClusterBroker[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()))
  })

  it('routes channels of different shards to different masters', async () => {
    const b = brokerOf('routing')
    open.push(b)
    await b.start({ onMessage: () => {}, onReconnect: () => {} })
    const chans = spread(3)
    const owners = new Set(chans.map((c) => b.shardOf(c)))
    expect(owners.size).toBe(3)
    expect([...owners].every((o) => cluster.ports.some((p) => o === `127.0.0.1:${p}`))).toBe(true)
  })

  it('survives a master restart: unhealthy, fast rejects, then resubscribed and onReconnect', async () => {
    const got: string[] = []
    let reconnects = 0
    const a = brokerOf('restart-a')
    const b = brokerOf('restart-b')
    open.push(a, b)
    await a.start({ onMessage: () => {}, onReconnect: () => {} })
    await b.start({ onMessage: (_c, d) => got.push(d), onReconnect: () => reconnects++ })
    const chans = spread(3)
    const victim = shardIndex(chans[0])
    await Promise.all(chans.map((c) => b.subscribe(c)))
    await Promise.all(chans.map((c, i) => a.publish(c, `before${i}`)))
    await eventually(() => got.length === chans.length, 5000, 'frames before the kill')

    await cluster.killNode(victim)
    await eventually(() => !b.healthy() && !a.healthy(), 10_000, 'unhealthy after the kill')
    const outcome = await Promise.race([
      a.publish(chans[0], 'lost').then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ])
    expect(outcome).toBe('rejected')

    await cluster.restartNode(victim)
    await eventually(() => reconnects >= 1 && a.healthy() && b.healthy(), 30_000, 'onReconnect after the restart')
    got.length = 0
    await eventually(
      async () => {
        await Promise.all(chans.map((c, i) => a.publish(c, `after${i}`).catch(() => {})))
        return chans.every((_, i) => got.includes(`after${i}`))
      },
      15_000,
      'delivery on every shard after the restart',
    )
  }, 60_000)
})
