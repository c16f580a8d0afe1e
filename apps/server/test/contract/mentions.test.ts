// v1.1 §D: `text` and `question` bodies may carry `mentions` (at most 20 as sent); the
// server keeps current members only, no duplicates, in order, and drops an empty list.
// `GET /api/rooms` entries say `mentioned` while a mention of the user above their read
// mark is not recalled. Run on one SQLite node and on two nodes (Postgres + Redis), where
// every send goes to one node and every read to the other.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../helpers/app'
import { startRedis, type RedisProcess } from '../helpers/redis-server'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'
import {
  cid,
  expectError,
  http,
  joinedClient,
  login,
  ROOMY,
  roomEntry,
  startRoomy,
  type Login,
  type TestClient,
  type TestServer,
} from './support'

interface Setup {
  /** Where messages are sent. */
  w: TestServer
  /** Where they are read back (the other node, in the two-node setup). */
  r: TestServer
  db?: TestDatabase
  close(): Promise<void>
}

async function single(): Promise<Setup> {
  const s = await startRoomy()
  return { w: s, r: s, close: () => s.close() }
}

async function twoNodes(): Promise<Setup> {
  const db = await createTestDatabase()
  const redis: RedisProcess = await startRedis()
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-mentions-'))
  const env = { ...ROOMY, DATABASE_URL: db.url, REDIS_URL: redis.url, JWT_SECRET: 'mentions-secret-0123456789abcdef' }
  const w = await startServer({ ...env, NODE_ID: 'm-1' }, dir)
  const r = await startServer({ ...env, NODE_ID: 'm-2' }, dir)
  return {
    w,
    r,
    db,
    async close() {
      await w.close()
      await r.close()
      await redis.stop()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

describe.each([
  ['one node, SQLite', single],
  ['two nodes, Postgres + Redis', twoNodes],
])('mentions: %s', (_name, setup) => {
  let s: Setup
  let alice: Login, bob: Login, carol: Login, dave: Login
  let a: TestClient, b: TestClient
  let n = 0
  const room = () => `mention-${++n}`

  beforeAll(async () => {
    s = await setup()
    ;[alice, bob, carol, dave] = await Promise.all(['Alice', 'Bob', 'Carol', 'Dave'].map((x) => login(s.w.url, x)))
  }, 60_000)
  afterAll(async () => {
    a?.close()
    b?.close()
    await s?.close()
  })

  /** Alice, Bob and Carol join R (Dave does not); Bob listens on the read node. */
  async function members(R: string) {
    a?.close()
    b?.close()
    a = await joinedClient(s.w, alice.token, R)
    b = await joinedClient(s.r, bob.token, R)
    const c = await joinedClient(s.w, carol.token, R)
    c.close()
  }
  const send = (R: string, body: object, kind = 'text') => a.request({ type: 'send', room: R, cid: cid(), kind, body })
  const delivered = (seq: number, R: string) => b.waitFor((f) => f.type === 'message' && f.msg.room === R && f.msg.seq === seq, 5000)
  const mentioned = async (who: Login, R: string) => (await roomEntry(s.r, who.token, R)).mentioned

  it('keeps members only, without duplicates, in the order given; stores and delivers that list', async () => {
    const R = room()
    await members(R)
    const ack = await send(R, { text: '@Carol @Bob look', mentions: [carol.user.id, dave.user.id, bob.user.id, carol.user.id, 'u_nobody'] })
    expect(ack).toMatchObject({ type: 'ack' })
    const want = { text: '@Carol @Bob look', mentions: [carol.user.id, bob.user.id] }
    expect((await delivered(ack.seq, R)).msg.body).toEqual(want)
    const hist = await http(s.r.url, 'GET', `/api/rooms/${R}/messages`, undefined, bob.token)
    expect(hist.body.messages.at(-1)).toMatchObject({ seq: ack.seq, body: want })
  })

  it('drops the field when no mentioned id is a member, and for an empty list', async () => {
    const R = room()
    await members(R)
    for (const mentions of [[dave.user.id, 'u_ghost'], []]) {
      const ack = await send(R, { text: 'nobody here', mentions })
      expect((await delivered(ack.seq, R)).msg.body).toEqual({ text: 'nobody here' })
    }
    expect(await mentioned(carol, R)).toBe(false)
  })

  it('questions carry mentions too; other kinds ignore the field', async () => {
    const R = room()
    await members(R)
    const q = await send(R, { text: 'a question for Bob', mentions: [bob.user.id] }, 'question')
    expect((await delivered(q.seq, R)).msg.body).toEqual({ text: 'a question for Bob', mentions: [bob.user.id] })
    const like = await send(R, { mentions: [bob.user.id] }, 'like')
    expect((await delivered(like.seq, R)).msg.body).toEqual({})
  })

  it('refuses more than 20 entries as sent (duplicates counted), and entries that are not user ids, over the socket and HTTP', async () => {
    const R = room()
    await members(R)
    const dup21 = Array.from({ length: 21 }, () => bob.user.id)
    for (const mentions of [dup21, 'u_x', [42], [''], [bob.user.id, { id: 'x' }]]) {
      const e = await send(R, { text: 'too many', mentions })
      expect(e).toMatchObject({ type: 'error', code: 'bad_request' })
      expectError(
        await http(s.w.url, 'POST', `/api/rooms/${R}/messages`, { cid: cid(), kind: 'text', body: { text: 'x', mentions } }, alice.token),
        'bad_request',
      )
    }
    // Exactly 20 (all of them the same member) is fine and becomes one entry.
    const ok = await send(R, { text: 'twenty', mentions: dup21.slice(1) })
    expect((await delivered(ok.seq, R)).msg.body).toEqual({ text: 'twenty', mentions: [bob.user.id] })
  })

  it('HTTP sends filter the same way', async () => {
    const R = room()
    await members(R)
    const r = await http(
      s.w.url,
      'POST',
      `/api/rooms/${R}/messages`,
      { cid: cid(), kind: 'text', body: { text: 'via http', mentions: [dave.user.id, carol.user.id] } },
      alice.token,
    )
    expect(r.status).toBe(200)
    expect((await delivered(r.body.seq, R)).msg.body).toEqual({ text: 'via http', mentions: [carol.user.id] })
  })

  it('mentioned: true above the read mark, false once read, false for others and for the sender', async () => {
    const R = room()
    await members(R)
    expect(await mentioned(bob, R)).toBe(false)
    const ack = await send(R, { text: 'hi Bob', mentions: [bob.user.id, alice.user.id] })
    expect(await mentioned(bob, R)).toBe(true)
    expect(await mentioned(carol, R)).toBe(false)
    // A self-mention never flags one's own room.
    expect(await mentioned(alice, R)).toBe(false)
    // Later messages without a mention keep it while the mention is unread.
    const later = await send(R, { text: 'something else' })
    b.send({ type: 'read', room: R, seq: ack.seq - 1 })
    await b.request({ type: 'ping' })
    expect(await mentioned(bob, R)).toBe(true)
    b.send({ type: 'read', room: R, seq: ack.seq })
    await b.request({ type: 'ping' })
    expect(await mentioned(bob, R)).toBe(false)
    expect((await roomEntry(s.r, bob.token, R)).lastSeq).toBe(later.seq)
  })

  it('mentioned: false once the mentioning message is recalled, true again for a new mention', async () => {
    const R = room()
    await members(R)
    const ack = await send(R, { text: 'oops @Bob', mentions: [bob.user.id] })
    expect(await mentioned(bob, R)).toBe(true)
    expect(await a.request({ type: 'recall', room: R, seq: ack.seq })).toMatchObject({ type: 'recalled' })
    expect(await mentioned(bob, R)).toBe(false)
    await send(R, { text: 'again @Bob', mentions: [bob.user.id] })
    expect(await mentioned(bob, R)).toBe(true)
  })

  it('a retry of the same cid stores one message and one mention', async () => {
    const R = room()
    await members(R)
    const k = cid()
    const frame = { type: 'send', room: R, cid: k, kind: 'text', body: { text: 'once', mentions: [bob.user.id] } }
    const acks = await Promise.all([a.request(frame), a.request(frame), a.request(frame)])
    expect(new Set(acks.map((x) => x.seq)).size).toBe(1)
    b.send({ type: 'read', room: R, seq: acks[0].seq })
    await b.request({ type: 'ping' })
    expect(await mentioned(bob, R)).toBe(false)
    if (s.db) {
      const rows = await s.db.query('select count(*)::int as n from mentions where room_id = $1', [R])
      expect(rows.rows[0].n).toBe(1)
    }
  })

  it('many senders at once (the batched append) index every mention exactly once', async () => {
    const R = room()
    await members(R)
    const c = await joinedClient(s.w, carol.token, R)
    const sends = []
    for (let i = 0; i < 40; i++) {
      const who = i % 2 ? a : c
      sends.push(
        who.request({
          type: 'send',
          room: R,
          cid: cid(),
          kind: 'text',
          body: { text: `m${i}`, mentions: i % 4 === 0 ? [bob.user.id] : [dave.user.id] },
        }),
      )
    }
    const acks = await Promise.all(sends)
    c.close()
    expect(acks.every((x) => x.type === 'ack')).toBe(true)
    const withMention = acks.filter((_, i) => i % 4 === 0).map((x) => x.seq)
    if (s.db) {
      const rows = await s.db.query<{ seq: number }>('select seq::int from mentions where room_id = $1 and user_id = $2 order by seq', [
        R,
        bob.user.id,
      ])
      expect(rows.rows.map((x) => x.seq)).toEqual([...withMention].sort((x, y) => x - y))
    }
    // Reading up to just below the last mention keeps the flag; reading it clears it.
    const last = Math.max(...withMention)
    b.send({ type: 'read', room: R, seq: last - 1 })
    await b.request({ type: 'ping' })
    expect(await mentioned(bob, R)).toBe(true)
    b.send({ type: 'read', room: R, seq: last })
    await b.request({ type: 'ping' })
    expect(await mentioned(bob, R)).toBe(false)
  })

  it('every room list entry has a boolean mentioned', async () => {
    const r = await http(s.r.url, 'GET', '/api/rooms', undefined, bob.token)
    expect(r.status).toBe(200)
    expect(r.body.length).toBeGreaterThan(0)
    for (const e of r.body) expect(typeof e.mentioned).toBe('boolean')
  })
})
