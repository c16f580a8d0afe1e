/**
 * Presence and rate limits while Redis is unreachable (a Redis of the test's own, killed and
 * restarted empty): calls answer at once from this node instead of failing, and presence is
 * replayed into Redis once it is back, reporting the transitions the replay caused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FallbackRateLimiter, RedisRateLimiter, type RateLimiter } from '../../src/limits/index'
import { createPresence, PresenceGuard } from '../../src/presence/index'
import type { Presence } from '../../src/presence/types'
import { closeClient, createCommandClient } from '../../src/redis/client'
import { parseRedisUrl } from '../../src/redis/url'
import { eventually, startRedis, type RedisProcess } from '../helpers/redis-server'

let redis: RedisProcess
const closers: Array<{ close(): Promise<void> }> = []
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close().catch(() => {})))
  await redis.stop()
})

const user = (id: string) => ({ id, name: id, avatar: null })
const room = () => `r-${Math.random().toString(36).slice(2, 8)}`

/** A command connection of its own (as each node has), closed after the suite. */
function client(nodeId: string) {
  const c = createCommandClient(parseRedisUrl(redis.url), { name: nodeId })
  c.on('error', () => {})
  closers.push({ close: () => closeClient(c) })
  return c
}

function presence(nodeId: string): Presence {
  const p = createPresence(client(nodeId), { nodeId })
  closers.unshift(p)
  return p
}

describe('PresenceGuard', () => {
  it('passes calls through while Redis answers', async () => {
    const errors: string[] = []
    const g = new PresenceGuard(presence('g1'), { onError: (_e, what) => errors.push(what) })
    const r = room()
    expect(await g.add(r, user('a'), 'c1')).toBe(true)
    expect(await g.add(r, user('a'), 'c2')).toBe(false)
    expect((await g.online(r)).map((u) => u.id)).toEqual(['a'])
    expect(await g.remove(r, user('a'), 'c1')).toBe(false)
    expect(await g.remove(r, user('a'), 'c2')).toBe(true)
    expect(await g.online(r)).toEqual([])
    expect(errors).toEqual([])
  })

  it('answers from this node while Redis is down, then replays into the restarted Redis', async () => {
    const errors: string[] = []
    const inner = presence('g2')
    const other = presence('g3') // another node, reading Redis only
    const g = new PresenceGuard(inner, { onError: (_e, what) => errors.push(what), timeoutMs: 300, retryMs: 200 })
    const r = room()
    expect(await g.add(r, user('stay'), 'c0')).toBe(true)
    await redis.stop()
    let back = false
    try {
      expect(await g.add(r, user('new'), 'c1')).toBe(true)
      expect(await g.add(r, user('gone'), 'c2')).toBe(true)
      expect(await g.remove(r, user('gone'), 'c2')).toBe(true)
      expect((await g.online(r)).map((u) => u.id).sort()).toEqual(['new', 'stay'])
      expect(errors.length).toBeGreaterThan(0)
      expect(g.pending).toBeGreaterThan(0)
      expect(await g.repair()).toEqual([]) // still down: nothing replayed, nothing lost
      await redis.restart()
      back = true
    } finally {
      if (!back) await redis.restart()
    }
    // The replay reports "new" as online (Redis never knew it); "gone" left before it could.
    const changes: Array<{ room: string; user: { id: string }; status: string }> = []
    await eventually(
      async () => {
        changes.push(...(await g.repair()))
        return g.pending === 0
      },
      10_000,
      'the replay',
    )
    expect(changes.map((x) => `${x.user.id}:${x.status}`)).toEqual(['new:online'])
    // "stay" comes back through RedisPresence's own re-registration (Redis restarted empty).
    await eventually(
      async () =>
        (await other.online(r))
          .map((u) => u.id)
          .sort()
          .join() === 'new,stay',
      15_000,
      'presence rebuilt',
    )
  }, 40_000)
})

describe('FallbackRateLimiter', () => {
  it('limits across nodes through Redis, and per node (at once, never failing) while Redis is down', async () => {
    const errors: unknown[] = []
    const make = (nodeId: string): RateLimiter => {
      const l = new FallbackRateLimiter(new RedisRateLimiter({ redis: client(nodeId) }), {
        onError: (e) => errors.push(e),
        timeoutMs: 300,
        retryMs: 200,
      })
      closers.push(l)
      return l
    }
    const a = make('l1')
    const b = make('l2')
    const k = `send:${Math.random()}`
    expect(await a.hit(k, 3, 60_000)).toBe(true)
    expect(await b.hit(k, 3, 60_000)).toBe(true)
    expect(await a.hit(k, 3, 60_000)).toBe(true)
    expect(await b.hit(k, 3, 60_000)).toBe(false)
    expect(errors).toEqual([])
    await redis.stop()
    try {
      const k2 = `send:${Math.random()}`
      const results = []
      for (let i = 0; i < 4; i++) results.push(await b.hit(k2, 3, 60_000))
      expect(results).toEqual([true, true, true, false])
      expect(errors.length).toBeGreaterThan(0)
    } finally {
      await redis.restart()
    }
    await eventually(
      async () => {
        const n = errors.length
        await a.hit(`send:${Math.random()}`, 3, 60_000)
        return errors.length === n
      },
      10_000,
      'Redis used again',
    )
  }, 30_000)
})
