/**
 * The shared rate limiter against a real Redis of its own, as two nodes see it: exact hits
 * one by one, and leased hits (sends) that take chunks and spend them locally — the same
 * limit on one node, never more than the limit across nodes, far fewer Redis calls.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisRateLimiter } from '../../src/limits/rate-limiter'
import { startRedis, type RedisProcess } from '../helpers/redis-server'

let redis: RedisProcess
const clients: Redis[] = []
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis.stop()
})

/** A node's limiter, counting the Redis commands it sends. */
function node() {
  const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 })
  clients.push(client)
  let calls = 0
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((...a: Parameters<typeof send>) => {
    calls++
    return send(...a)
  }) as typeof client.sendCommand
  return { limiter: new RedisRateLimiter({ redis: client }), calls: () => calls }
}
const key = () => `send:${Math.random().toString(36).slice(2, 10)}`

async function hits(limiter: RedisRateLimiter, k: string, n: number, limit: number, lease: boolean): Promise<boolean[]> {
  const out: boolean[] = []
  for (let i = 0; i < n; i++) out.push(await limiter.hit(k, limit, 60_000, lease))
  return out
}

describe('RedisRateLimiter', () => {
  it('one by one: exactly `limit` hits allowed, every hit a Redis call', async () => {
    const a = node()
    const got = await hits(a.limiter, key(), 12, 10, false)
    expect(got).toEqual([...Array(10).fill(true), false, false])
    expect(a.calls()).toBeGreaterThanOrEqual(12)
  })

  it('leased on one node: the same `limit` exactly, in a handful of Redis calls', async () => {
    const a = node()
    const got = await hits(a.limiter, key(), 230, 200, true)
    expect(got.filter(Boolean).length).toBe(200)
    expect(got.slice(0, 200).every(Boolean)).toBe(true)
    expect(a.calls()).toBeLessThan(40)
  })

  it('leased on two nodes at once: never more than `limit`, at most limit/8 per node refused early', async () => {
    const a = node()
    const b = node()
    const k = key()
    const both = await Promise.all([hits(a.limiter, k, 150, 200, true), hits(b.limiter, k, 150, 200, true)])
    const allowed = both.flat().filter(Boolean).length
    expect(allowed).toBeLessThanOrEqual(200)
    expect(allowed).toBeGreaterThanOrEqual(200 - 2 * 25)
  })

  it('a small limit is counted exactly even when leased, alternating nodes', async () => {
    const a = node()
    const b = node()
    const k = key()
    const got: boolean[] = []
    for (let i = 0; i < 8; i++) got.push(await (i % 2 ? b : a).limiter.hit(k, 5, 60_000, true))
    expect(got).toEqual([true, true, true, true, true, false, false, false])
  })

  it('a lease ends with its window: the next window starts counting afresh', async () => {
    const a = node()
    const k = key()
    const first = []
    for (let i = 0; i < 20; i++) first.push(await a.limiter.hit(k, 16, 300, true))
    expect(first.filter(Boolean).length).toBe(16)
    await new Promise((r) => setTimeout(r, 350))
    expect(await a.limiter.hit(k, 16, 300, true)).toBe(true)
  })
})
