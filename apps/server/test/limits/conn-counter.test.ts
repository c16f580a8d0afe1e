/**
 * The connection caps' counter against a real Redis of its own: shared by nodes, freed on
 * release, forgotten when a node stops renewing (crash), rebuilt after Redis restarts empty,
 * and per node (never refusing everyone) while Redis is down.
 */
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalConnCounter, RedisConnCounter, RenewBatches } from '../../src/limits/conn-counter'
import { eventually, startRedis, startRedisCluster, type RedisProcess } from '../helpers/redis-server'

let redis: RedisProcess
const clients: Redis[] = []
const counters: RedisConnCounter[] = []
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await Promise.all(counters.map((c) => c.close().catch(() => {})))
  for (const c of clients) c.disconnect()
  await redis.stop()
})

/** Script calls Redis counted since the last reset (INFO commandstats). */
async function scriptCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats')
  return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
}

function node(opts: { leaseMs?: number } = {}) {
  const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 })
  client.on('error', () => {})
  clients.push(client)
  const errors: unknown[] = []
  const counter = new RedisConnCounter({ redis: client, leaseMs: opts.leaseMs, onError: (e) => errors.push(e), timeoutMs: 300 })
  counters.push(counter)
  return { client, counter, errors }
}
const key = () => `u:${Math.random().toString(36).slice(2, 10)}`

describe('LocalConnCounter', () => {
  it('caps, is idempotent per member and frees on release', async () => {
    const c = new LocalConnCounter()
    expect(await c.acquire('u:a', 'c1', 2)).toBe(true)
    expect(await c.acquire('u:a', 'c1', 2)).toBe(true)
    expect(await c.acquire('u:a', 'c2', 2)).toBe(true)
    expect(await c.acquire('u:a', 'c3', 2)).toBe(false)
    expect(await c.acquire('u:b', 'c3', 2)).toBe(true)
    await c.release('u:a', 'c1')
    expect(await c.acquire('u:a', 'c3', 2)).toBe(true)
  })
})

describe('RedisConnCounter', () => {
  it('counts one key across nodes and frees a place on release', async () => {
    const a = node()
    const b = node()
    const k = key()
    expect(await a.counter.acquire(k, 'a1', 3)).toBe(true)
    expect(await b.counter.acquire(k, 'b1', 3)).toBe(true)
    expect(await a.counter.acquire(k, 'a2', 3)).toBe(true)
    expect(await b.counter.acquire(k, 'b2', 3)).toBe(false)
    expect(await b.counter.acquire(key(), 'b2', 3)).toBe(true)
    await a.counter.release(k, 'a1')
    expect(await b.counter.acquire(k, 'b2', 3)).toBe(true)
    expect(a.errors.concat(b.errors)).toEqual([])
  })

  it("forgets a dead node's sockets once their lease runs out", async () => {
    const dead = node({ leaseMs: 600 })
    const alive = node({ leaseMs: 600 })
    const k = key()
    expect(await dead.counter.acquire(k, 'd1', 2)).toBe(true)
    expect(await dead.counter.acquire(k, 'd2', 2)).toBe(true)
    expect(await alive.counter.acquire(k, 'a1', 2)).toBe(false)
    dead.client.disconnect() // no more renewals, no goodbye
    await eventually(() => alive.counter.acquire(k, 'a1', 2), 5_000, 'the lease to run out')
  })

  it('keeps renewing live sockets (they do not expire while their node lives)', async () => {
    const a = node({ leaseMs: 300 })
    const b = node({ leaseMs: 300 })
    const k = key()
    expect(await a.counter.acquire(k, 'a1', 1)).toBe(true)
    await new Promise((r) => setTimeout(r, 1000))
    expect(await b.counter.acquire(k, 'b1', 1)).toBe(false)
  })

  it('fails open to per-node caps while Redis is down, and restores the counts when it is back empty', async () => {
    const a = node({ leaseMs: 600 })
    const b = node({ leaseMs: 600 })
    const k = key()
    expect(await a.counter.acquire(k, 'a1', 2)).toBe(true)
    await redis.stop()
    try {
      // Not refused for everyone: node b still counts its own sockets against the cap.
      expect(await b.counter.acquire(k, 'b1', 2)).toBe(true)
      expect(await b.counter.acquire(k, 'b2', 2)).toBe(true)
      expect(await b.counter.acquire(k, 'b3', 2)).toBe(false)
      expect(b.errors.length).toBeGreaterThan(0)
    } finally {
      await redis.restart()
    }
    // Redis came back with nothing; the renewals put a1, b1 and b2 back, so the key is over.
    await eventually(async () => (await a.client.zcard(`chat:conns:${k}`).catch(() => 0)) === 3, 5_000, 'counts restored')
    // A node asks Redis again once a second has passed since its last failed call (its
    // backoff; the last renewal that failed may be only a few ms old): until then it answers
    // from its own count.
    await new Promise((r) => setTimeout(r, 1100))
    expect(await a.counter.acquire(k, 'a2', 2)).toBe(false)
    await b.counter.release(k, 'b1')
    await b.counter.release(k, 'b2')
    expect(await a.counter.acquire(k, 'a2', 2)).toBe(true)
  })
})

describe('lease renewal in batches', () => {
  it('groups keys up to the member budget, splits a big key, and in cluster mode makes a call per key', () => {
    const b = new RenewBatches(900, false, 4)
    b.add('k1', ['a', 'b'])
    b.add('k2', ['c'])
    b.add('k3', ['d', 'e', 'f', 'g', 'h', 'i'])
    expect(b.calls()).toEqual([
      [3, 'k1', 'k2', 'k3', 900, 2, 'a', 'b', 1, 'c', 1, 'd'],
      [1, 'k3', 900, 4, 'e', 'f', 'g', 'h'],
      [1, 'k3', 900, 1, 'i'],
    ])
    const c = new RenewBatches(900, true, 4)
    c.add('k1', ['a', 'b'])
    c.add('k2', ['c'])
    expect(c.calls()).toEqual([
      [1, 'k1', 900, 2, 'a', 'b'],
      [1, 'k2', 900, 1, 'c'],
    ])
  })

  it("renews a node's 60 keys in about one call a tick, not one per key, and none of them lapses", async () => {
    // A Redis of its own: the counts below are this node's calls only.
    const own = await startRedis()
    const client = new Redis(own.port, '127.0.0.1', { maxRetriesPerRequest: 1 })
    const errors: unknown[] = []
    const counter = new RedisConnCounter({ redis: client, leaseMs: 600, onError: (e) => errors.push(e) })
    try {
      const keys = Array.from({ length: 60 }, key)
      for (const k of keys) expect(await counter.acquire(k, `a-${k}`, 1)).toBe(true)
      await client.config('RESETSTAT')
      // Three lease periods (a period is leaseMs / 3 = 200 ms, in ten 20 ms ticks).
      await new Promise((r) => setTimeout(r, 600))
      const calls = await scriptCalls(client)
      // Per-key renewals were 60 keys × 3 periods = 180 calls; batched, at most one a tick.
      expect(calls).toBeGreaterThan(0)
      expect(calls).toBeLessThanOrEqual(32)
      const now = Number((await client.time())[0]) * 1000
      for (const k of keys) expect(Number(await client.zscore(`chat:conns:${k}`, `a-${k}`))).toBeGreaterThan(now)
      expect(errors).toEqual([])
    } finally {
      await counter.close()
      client.disconnect()
      await own.stop()
    }
  })
})

describe('RedisConnCounter on a 3-master cluster', () => {
  it('renews keys spread over every master (a call per key: a script stays in one slot)', async () => {
    const cluster = await startRedisCluster()
    const clients: Cluster[] = []
    const counters: RedisConnCounter[] = []
    try {
      const make = () => {
        const c = new Cluster(cluster.nodes)
        c.on('error', () => {})
        clients.push(c)
        const errors: unknown[] = []
        const counter = new RedisConnCounter({ redis: c, leaseMs: 600, onError: (e) => errors.push(e), timeoutMs: 1000 })
        counters.push(counter)
        return { counter, errors }
      }
      const a = make()
      const b = make()
      const keys = Array.from({ length: 20 }, key)
      for (const k of keys) expect(await a.counter.acquire(k, `a-${k}`, 1)).toBe(true)
      await new Promise((r) => setTimeout(r, 1500))
      for (const k of keys) expect(await b.counter.acquire(k, 'b1', 1)).toBe(false)
      expect(a.errors.concat(b.errors)).toEqual([])
    } finally {
      await Promise.all(counters.map((c) => c.close().catch(() => {})))
      for (const c of clients) c.disconnect()
      await cluster.stop()
    }
  }, 60_000)
})
