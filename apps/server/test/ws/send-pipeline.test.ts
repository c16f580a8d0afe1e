/**
 * A socket's consecutive sends overlap from their append on (ws/socket.ts, Connection's
 * turns): on Postgres a burst of sends shares commits instead of waiting for one each. What
 * a client sees must not change: seqs in send order, replies (acks and errors) in request
 * order, its own ack before its message's push, and any other frame after the sends before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/types'
import { startServer, type TestServer } from '../helpers/app'
import { cid, login, TestClient, type Frame } from '../helpers/client'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'

/** Counts appends in flight at once, for the whole store. */
function watchAppends(store: Store): { max(): number; restore(): void } {
  const original = store.appendMessage.bind(store)
  let now = 0
  let max = 0
  store.appendMessage = (m) => {
    max = Math.max(max, ++now)
    return original(m).finally(() => now--)
  }
  return { max: () => max, restore: () => (store.appendMessage = original) }
}

async function burst(s: TestServer): Promise<{ frames: Frame[]; maxInFlight: number }> {
  const room = `pipe-${Math.random().toString(36).slice(2, 8)}`
  const alice = await login(s.url, 'Alice')
  const a = await TestClient.connect(s.wsUrl, alice.token)
  await a.request({ type: 'join', room })
  const watch = watchAppends(s.app.store as Store)
  try {
    // Back to back: 12 sends, one to a room not joined (refused in its turn), then history, then 3 more.
    const frames: Frame[] = []
    for (let i = 1; i <= 12; i++) {
      frames.push({
        id: 100 + i,
        type: 'send',
        room: i === 6 ? 'not-joined-room' : room,
        cid: cid(),
        kind: 'text',
        body: { text: `m${i}` },
      })
    }
    frames.push({ id: 113, type: 'history', room, limit: 50 })
    for (let i = 14; i <= 16; i++) frames.push({ id: 100 + i, type: 'send', room, cid: cid(), kind: 'text', body: { text: `m${i}` } })
    for (const f of frames) a.ws.send(JSON.stringify(f))
    await a.waitCount((f) => f.id > 100, 16)
    await a.waitCount((f) => f.type === 'message' && f.room === room, 14)
    a.close()
    return { frames: a.frames, maxInFlight: watch.max() }
  } finally {
    watch.restore()
  }
}

function checkOrder(frames: Frame[]): void {
  const replies = frames.filter((f) => f.id > 100)
  expect(replies.map((f) => f.id)).toEqual(Array.from({ length: 16 }, (_, i) => 101 + i))
  expect(replies[5]).toMatchObject({ type: 'error', code: 'not_joined' })
  const acks = replies.filter((f) => f.type === 'ack')
  expect(acks.map((f) => f.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1))
  // The history after the first 12 frames holds their 11 messages, in send order.
  const history = replies[12]
  expect(history.type).toBe('history')
  expect(history.messages.map((m: Frame) => m.body.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12'])
  // Each message's push comes after its ack on the sender's socket.
  for (const ack of acks) {
    const pushAt = frames.findIndex((f) => f.type === 'message' && f.msg.seq === ack.seq)
    expect(pushAt).toBeGreaterThan(frames.indexOf(ack))
  }
}

describe('on Postgres', () => {
  let db: TestDatabase
  let s: TestServer
  beforeAll(async () => {
    db = await createTestDatabase()
    s = await startServer({ DATABASE_URL: db.url })
  })
  afterAll(async () => {
    await s?.close()
    await db?.drop()
  })

  it('overlaps a burst of sends and keeps seqs, replies and pushes in order', async () => {
    const { frames, maxInFlight } = await burst(s)
    checkOrder(frames)
    expect(maxInFlight).toBeGreaterThan(1)
  })

  it('acks a send into a fast room only after an earlier send into a slow one', async () => {
    const slow = `slow-${Math.random().toString(36).slice(2, 8)}`
    const fast = `fast-${Math.random().toString(36).slice(2, 8)}`
    const alice = await login(s.url, 'Alice')
    const a = await TestClient.connect(s.wsUrl, alice.token)
    await a.request({ type: 'join', room: slow })
    await a.request({ type: 'join', room: fast })
    const store = s.app.store as Store
    const original = store.appendMessage.bind(store)
    store.appendMessage = (m) => {
      const stored = original(m)
      return m.room === slow ? stored.then((r) => new Promise((ok) => setTimeout(() => ok(r), 300))) : stored
    }
    try {
      a.send({ id: 201, type: 'send', room: slow, cid: cid(), kind: 'text', body: { text: 'first' } })
      a.send({ id: 202, type: 'send', room: fast, cid: cid(), kind: 'text', body: { text: 'second' } })
      await a.waitCount((f) => f.id === 201 || f.id === 202, 2)
      expect(a.frames.filter((f) => f.id === 201 || f.id === 202).map((f) => [f.id, f.type])).toEqual([
        [201, 'ack'],
        [202, 'ack'],
      ])
    } finally {
      store.appendMessage = original
      a.close()
    }
  })
})

describe('on SQLite', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(async () => {
    await s?.close()
  })

  // Its appends are not queued in call order, so a socket's sends wait for each other there.
  it('keeps the same order, one append at a time', async () => {
    const { frames, maxInFlight } = await burst(s)
    checkOrder(frames)
    expect(maxInFlight).toBe(1)
  })
})
