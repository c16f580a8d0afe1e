// The parts under v1.1 §B reactions: the totals and their frame slot (in memory and in a
// real Redis), and the store's reaction counters (SQLite and Postgres) that never go back.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryTotals, type ReactionTotals, type RoomKey } from '../../src/realtime/reaction-totals'
import { RedisTotals } from '../../src/realtime/reaction-totals-redis'
import { createStore, type Store } from '../../src/store/index'
import { startRedis, type RedisProcess } from '../helpers/redis-server'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'

const SLOT = 300
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const user = (id: string) => ({ id, name: id.toUpperCase(), avatar: null })
const batch = (likes: number, flowers: number, ...ids: string[]) => ({ likes, flowers, from: ids.map(user) })

let redisProc: RedisProcess
let redis: Redis
beforeAll(async () => {
  redisProc = await startRedis()
  redis = new Redis(redisProc.url)
})
afterAll(async () => {
  redis?.disconnect()
  await redisProc?.stop()
})

describe.each([
  ['memory', () => new MemoryTotals(SLOT)],
  ['redis', () => new RedisTotals({ redis, slotMs: SLOT, prefix: `t${Math.random().toString(36).slice(2, 6)}:` })],
] as const)('ReactionTotals (%s)', (_name, make: () => ReactionTotals) => {
  const key: RoomKey = { room: 'r1', createdAt: 1000 }

  it('asks for the stored totals first, then adds to them', async () => {
    const t = make()
    expect(await t.read(key)).toBeNull()
    expect(await t.merge(key, batch(2, 0, 'a'), null)).toEqual({ kind: 'seed' })
    expect(await t.merge(key, batch(2, 0, 'a'), { likes: 10, flowers: 5 })).toEqual({
      kind: 'publish',
      totals: { likes: 12, flowers: 5 },
      from: [user('a')],
    })
    expect(await t.read(key)).toEqual({ likes: 12, flowers: 5 })
    // A seed is ignored once totals are held.
    const r = await t.merge(key, batch(1, 3), { likes: 999, flowers: 999 })
    expect(r).toMatchObject({ kind: 'wait', totals: { likes: 13, flowers: 8 } })
  })

  it('one publish per slot: merges within it wait, and a later frame makes their retry unneeded', async () => {
    const t = make()
    const k = { room: 'r2', createdAt: 1 }
    expect((await t.merge(k, batch(1, 0, 'a'), { likes: 0, flowers: 0 })).kind).toBe('publish')
    const w = await t.merge(k, batch(1, 0, 'b', 'c'), null)
    expect(w.kind).toBe('wait')
    if (w.kind !== 'wait') return
    expect(w.ms).toBeGreaterThan(0)
    expect(w.ms).toBeLessThanOrEqual(SLOT)
    // Two nodes both waiting: the first retry after the slot publishes everything, the second is done.
    const w2 = await t.merge(k, batch(0, 4, 'a'), null)
    if (w2.kind !== 'wait') throw new Error('expected wait')
    await sleep(w.ms + 20)
    expect(await t.retry(k, w.gen)).toEqual({
      kind: 'publish',
      totals: { likes: 2, flowers: 4 },
      from: [user('a'), user('c'), user('b')], // newest first, distinct
    })
    expect(await t.retry(k, w2.gen)).toEqual({ kind: 'done' })
  })

  it('names at most five users, the most recent', async () => {
    const t = make()
    const k = { room: 'r3', createdAt: 1 }
    const r = await t.merge(k, batch(7, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g'), { likes: 0, flowers: 0 })
    expect(r).toMatchObject({ kind: 'publish', from: ['g', 'f', 'e', 'd', 'c'].map(user) })
  })

  it('a room id reused by a newer room (another createdAt) starts from its own stored totals', async () => {
    const t = make()
    await t.merge({ room: 'r4', createdAt: 1 }, batch(50, 0), { likes: 0, flowers: 0 })
    expect(await t.read({ room: 'r4', createdAt: 2 })).toBeNull()
    expect(await t.merge({ room: 'r4', createdAt: 2 }, batch(1, 0), null)).toEqual({ kind: 'seed' })
  })
})

describe.each(['sqlite', 'postgres'] as const)('store: reaction counters (%s)', (dialect) => {
  let store: Store
  let db: TestDatabase | undefined
  let dir = ''
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chat-rx-store-'))
    if (dialect === 'postgres') db = await createTestDatabase()
    store = await createStore({ dataDir: dir, databaseUrl: db?.url })
    await store.migrate()
  })
  afterAll(async () => {
    await store?.close()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('start at 0, are written as given, and a smaller (older) write never lowers them', async () => {
    const room = await store.ensureRoom({ id: 'rx', title: 'rx', kind: 'group', ownerId: null, ts: 1 })
    expect(room).toMatchObject({ reactionLikes: 0, reactionFlowers: 0, likes: 0, flowers: 0 })
    await store.saveReactionTotals('rx', 800, 12)
    await store.saveReactionTotals('rx', 700, 30)
    expect(await store.getRoom('rx')).toMatchObject({ reactionLikes: 800, reactionFlowers: 30, likes: 0, flowers: 0 })
    // Like/flower messages keep their own counters.
    await store.createUser({ id: 'u1', name: 'u1', avatar: null, ts: 1 })
    await store.appendMessage({ room: 'rx', senderId: 'u1', cid: 'cid-00001', kind: 'like', body: {}, ts: 2 })
    expect(await store.getRoom('rx')).toMatchObject({ reactionLikes: 800, likes: 1 })
  })
})
