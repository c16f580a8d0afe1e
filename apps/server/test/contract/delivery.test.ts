// §3.3: "Each connection receives a room's messages in seq order and without gaps from its
// join point on" — checked while the room is busy: joins, resumes and re-joins land in the
// middle of a stream of sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, joinedClient, login, range, seqs, startRoomy, TestClient, type Login, type TestServer } from './support'

let s: TestServer
let writer: Login, reader: Login
beforeAll(async () => {
  s = await startRoomy()
  writer = await login(s.url, 'Writer')
  reader = await login(s.url, 'Reader')
})
afterAll(async () => {
  await s?.close()
})

/**
 * Sends `n` messages on `w` in small pipelined batches (so other connections get turns in
 * between) and resolves with all their acks.
 */
async function flood(w: TestClient, room: string, n: number, batch = 5) {
  const tag = cid()
  let sent = 0
  while (sent < n) {
    const upto = Math.min(n, sent + batch)
    for (; sent < upto; sent++) w.send({ type: 'send', id: `${tag}-${sent}`, room, cid: cid(), kind: 'text', body: { text: `${sent}` } })
    await w.waitCount((f) => typeof f.id === 'string' && f.id.startsWith(`${tag}-`), sent, 30_000)
    await new Promise((r) => setImmediate(r))
  }
  return w.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith(`${tag}-`))
}

/** Waits until `c` has been pushed seq `total` (unless its join already covered it). */
async function tail(c: TestClient, room: string, j: any, total: number): Promise<void> {
  if (j.lastSeq >= total) return
  await c.waitFor((f) => f.type === 'message' && f.room === room && f.msg.seq === total, 20_000)
}

/** What a connection holds for `room`: the joined snapshot plus every push after it. */
function received(c: TestClient, room: string, joinedFrame: any): number[] {
  const at = c.frames.indexOf(joinedFrame)
  const pushes = c.frames
    .slice(at + 1)
    .filter((f) => f.type === 'message' && f.room === room)
    .map((f) => f.msg.seq)
  return pushes
}

describe('joining a busy room', () => {
  it('without after: live pushes continue exactly from joined.lastSeq + 1, in order, no gap, no duplicate', async () => {
    const room = 'busy-plain'
    const w = await joinedClient(s, writer.token, room)
    const total = 300
    const acks = flood(w, room, total)
    await w.waitFor((f) => f.type === 'ack' && f.seq >= 20) // the stream is under way
    const r = await TestClient.connect(s.wsUrl, reader.token)
    const j = await r.request({ type: 'join', room })
    expect((await acks).every((a) => a.type === 'ack')).toBe(true)
    await tail(r, room, j, total)
    const pushes = received(r, room, j)
    expect(j.messages.length ? j.messages.at(-1).seq : 0).toBe(j.lastSeq)
    expect(pushes).toEqual(range(j.lastSeq + 1, total))
    r.close()
    w.close()
  })

  it('with after: the snapshot and the pushes together are every seq above after, once each, in order', async () => {
    const room = 'busy-after'
    const w = await joinedClient(s, writer.token, room)
    const total = 300
    const acks = flood(w, room, total)
    await w.waitFor((f) => f.type === 'ack' && f.seq >= 10)
    const r = await TestClient.connect(s.wsUrl, reader.token)
    const j = await r.request({ type: 'join', room, after: 5 })
    await acks
    await tail(r, room, j, total)
    const snapshot = seqs(j.messages)
    const pushes = received(r, room, j)
    expect(snapshot).toEqual(range(6, 5 + snapshot.length))
    if (!j.more) expect(snapshot.at(-1) ?? 5).toBe(j.lastSeq)
    // Between the snapshot and lastSeq (when more) the client pages with history; pushes start after lastSeq.
    expect(pushes).toEqual(range(j.lastSeq + 1, total))
    r.close()
    w.close()
  })

  it('a resume in the middle of a stream gets everything after its seq exactly once', async () => {
    const room = 'busy-resume'
    const w = await joinedClient(s, writer.token, room)
    const r1 = await joinedClient(s, reader.token, room)
    await flood(w, room, 50)
    r1.close()
    await r1.waitClose()
    const total = 250
    const acks = flood(w, room, total - 50)
    await w.waitFor((f) => f.type === 'ack' && f.seq >= 70)
    const r2 = await TestClient.open(s.wsUrl)
    r2.send({ type: 'hello', token: reader.token, resume: { [room]: 50 } })
    const j = await r2.waitFor((f) => f.type === 'joined')
    await acks
    await tail(r2, room, j, total)
    const snapshot = seqs(j.messages)
    const pushes = received(r2, room, j)
    expect(snapshot).toEqual(range(51, 50 + snapshot.length))
    expect(pushes).toEqual(range(j.lastSeq + 1, total))
    if (!j.more) expect([...snapshot, ...pushes]).toEqual(range(51, total))
    r2.close()
    w.close()
  })

  it('many readers joining at different moments each see an ordered, gap-free tail', async () => {
    const room = 'busy-many'
    const w = await joinedClient(s, writer.token, room)
    const total = 600
    const acks = flood(w, room, total)
    const readers: Array<{ c: TestClient; j: any }> = []
    for (let k = 0; k < 6; k++) {
      await w.waitFor((f) => f.type === 'ack' && f.seq >= 30 + k * 100, 20_000)
      const c = await TestClient.connect(s.wsUrl, reader.token)
      readers.push({ c, j: await c.request({ type: 'join', room }) })
    }
    await acks
    // At least some of them joined while the stream was still running.
    expect(readers.some(({ j }) => j.lastSeq < total)).toBe(true)
    for (const { c, j } of readers) {
      await tail(c, room, j, total)
      expect(received(c, room, j)).toEqual(range(j.lastSeq + 1, total))
      c.close()
    }
    w.close()
  })
})
