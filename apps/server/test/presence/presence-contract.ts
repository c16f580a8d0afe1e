/**
 * The Presence and RateLimiter contracts, run against every implementation. Two instances
 * made by one harness act as two nodes on one store (the in-memory harness hands out the
 * same instance, a single process being the whole cluster).
 */
import { randomBytes } from 'node:crypto'
import type { User } from '@chat/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { RateLimiter } from '../../src/limits/types'
import type { Presence } from '../../src/presence/types'
import { eventually } from '../helpers/redis-server'

export interface PresenceHarness {
  make(nodeId: string): Presence | Promise<Presence>
  multiNode: boolean
}

export interface LimiterHarness {
  make(): RateLimiter | Promise<RateLimiter>
  multiNode: boolean
}

const uniq = () => randomBytes(4).toString('hex')
const user = (name: string, extra: Partial<User> = {}): User => ({ id: `u_${name}_${uniq()}`, name, ...extra }) as User
const ids = (list: User[]) => list.map((u) => u.id).sort()

export function presenceContract(name: string, harness: () => PresenceHarness): void {
  describe(`Presence contract: ${name}`, () => {
    const open: Presence[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((p) => p.close().catch(() => {})))
    })

    async function nodes(n: number): Promise<Presence[]> {
      const h = harness()
      const made: Presence[] = []
      for (let i = 0; i < (h.multiNode ? n : 1); i++) {
        const p = await h.make(`n${i}-${uniq()}`)
        open.push(p)
        made.push(p)
      }
      return Array.from({ length: n }, (_, i) => made[h.multiNode ? i : 0])
    }

    it("reports a user's first connection in a room across nodes, and only that one", async () => {
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      const alice = user('Alice')
      expect(await a.add(room, alice, 'c1')).toBe(true)
      expect(await b.add(room, alice, 'c2')).toBe(false)
      expect(await a.add(room, alice, 'c3')).toBe(false)
      expect(ids(await a.online(room))).toEqual([alice.id])
      expect(ids(await b.online(room))).toEqual([alice.id])
    })

    it('reports the last connection leaving, across nodes', async () => {
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      const bob = user('Bob')
      await a.add(room, bob, 'c1')
      await b.add(room, bob, 'c2')
      expect(await a.remove(room, bob.id, 'c1')).toBe(false)
      expect(ids(await b.online(room))).toEqual([bob.id])
      expect(await b.remove(room, bob.id, 'c2')).toBe(true)
      expect(await a.online(room)).toEqual([])
      expect(await b.add(room, bob, 'c3')).toBe(true)
    })

    it('treats the same connection id on two nodes as two connections', async () => {
      const h = harness()
      if (!h.multiNode) return
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      const eve = user('Eve')
      expect(await a.add(room, eve, 'c1')).toBe(true)
      expect(await b.add(room, eve, 'c1')).toBe(false)
      expect(await a.remove(room, eve.id, 'c1')).toBe(false)
      expect(await b.remove(room, eve.id, 'c1')).toBe(true)
    })

    it('ignores removing an unknown connection or user', async () => {
      const [a] = await nodes(1)
      const room = `r-${uniq()}`
      const carol = user('Carol')
      expect(await a.remove(room, carol.id, 'nope')).toBe(false)
      await a.add(room, carol, 'c1')
      expect(await a.remove(room, carol.id, 'other')).toBe(false)
      expect(await a.remove(room, carol.id, 'c1')).toBe(true)
      expect(await a.remove(room, carol.id, 'c1')).toBe(false)
    })

    it('lists every online user once, with the latest profile, per room', async () => {
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      const other = `r-${uniq()}`
      const u1 = user('One')
      const u2 = user('二号 👋', { avatar: '/uploads/a.png' })
      await a.add(room, u1, 'c1')
      await b.add(room, u2, 'c2')
      await b.add(room, { ...u1, name: 'One renamed' }, 'c3')
      await a.add(other, u2, 'c4')
      const list = await a.online(room)
      expect(ids(list)).toEqual(ids([u1, u2]))
      expect(list.find((u) => u.id === u1.id)?.name).toBe('One renamed')
      expect(list.find((u) => u.id === u2.id)).toEqual(u2)
      expect(ids(await b.online(other))).toEqual([u2.id])
      expect(await a.online(`r-${uniq()}`)).toEqual([])
    })

    it('gives exactly one "first" and one "last" under concurrent joins and leaves', async () => {
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      const dan = user('Dan')
      const n = 12
      const adds = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).add(room, dan, `c${i}`)))
      expect(adds.filter(Boolean)).toHaveLength(1)
      const removes = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).remove(room, dan.id, `c${i}`)))
      expect(removes.filter(Boolean)).toHaveLength(1)
      expect(await a.online(room)).toEqual([])
    })

    it('reaps nothing while every node is alive', async () => {
      const [a, b] = await nodes(2)
      const room = `r-${uniq()}`
      await b.add(room, user('Fay'), 'c1')
      // (Other tests' closed nodes may be reaped here too; only this room matters.)
      expect((await a.reap()).filter((g) => g.room === room)).toEqual([])
      expect(await a.online(room)).toHaveLength(1)
    })
  })
}

export function limiterContract(name: string, harness: () => LimiterHarness): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const open: RateLimiter[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((l) => l.close().catch(() => {})))
    })

    async function nodes(n: number): Promise<RateLimiter[]> {
      const h = harness()
      const made: RateLimiter[] = []
      for (let i = 0; i < (h.multiNode ? n : 1); i++) {
        const l = await h.make()
        open.push(l)
        made.push(l)
      }
      return Array.from({ length: n }, (_, i) => made[h.multiNode ? i : 0])
    }

    it('allows exactly `limit` hits per window across nodes, then refuses', async () => {
      const [a, b] = await nodes(2)
      const key = `send:${uniq()}`
      const results: boolean[] = []
      for (let i = 0; i < 8; i++) results.push(await (i % 2 ? a : b).hit(key, 5, 60_000))
      expect(results).toEqual([true, true, true, true, true, false, false, false])
    })

    it('counts exactly under concurrent hits', async () => {
      const [a, b] = await nodes(2)
      const key = `conn:${uniq()}`
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).hit(key, 7, 60_000)))
      expect(results.filter(Boolean)).toHaveLength(7)
    })

    it('keeps keys apart', async () => {
      const [a] = await nodes(1)
      const k1 = `k:${uniq()}`
      const k2 = `k:${uniq()}`
      expect(await a.hit(k1, 1, 60_000)).toBe(true)
      expect(await a.hit(k1, 1, 60_000)).toBe(false)
      expect(await a.hit(k2, 1, 60_000)).toBe(true)
    })

    it('allows again once the window has passed', async () => {
      const [a, b] = await nodes(2)
      const key = `w:${uniq()}`
      expect(await a.hit(key, 2, 1000)).toBe(true)
      expect(await b.hit(key, 2, 1000)).toBe(true)
      expect(await a.hit(key, 2, 1000)).toBe(false)
      await eventually(() => b.hit(key, 2, 1000), 5000, 'a new window')
      // The new window has its own count: one hit was just spent, one left, then refused.
      expect(await a.hit(key, 2, 1000)).toBe(true)
      expect(await a.hit(key, 2, 1000)).toBe(false)
    })

    it('peek reads a window across nodes without counting a hit', async () => {
      const [a, b] = await nodes(2)
      const key = `p:${uniq()}`
      expect(await a.peek(key)).toEqual({ hits: 0, resetMs: 0 })
      await a.hit(key, 3, 60_000)
      await b.hit(key, 3, 60_000)
      const p = await b.peek(key)
      expect(p.hits).toBe(2)
      expect(p.resetMs).toBeGreaterThan(50_000)
      expect(p.resetMs).toBeLessThanOrEqual(60_000)
      expect((await a.peek(key)).hits).toBe(2)
      expect(await a.hit(key, 3, 60_000)).toBe(true)
    })

    it('refuses everything with a limit of 0', async () => {
      const [a] = await nodes(1)
      expect(await a.hit(`z:${uniq()}`, 0, 1000)).toBe(false)
    })
  })
}
