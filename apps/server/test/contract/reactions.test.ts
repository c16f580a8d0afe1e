// v1.1 §B reactions: `react` adds to the room's totals, `reactions` frames (at most one a
// second per room across the cluster) announce them, RoomInfo.stats counts them with the
// like/flower messages. Run on one SQLite node and on two nodes sharing Postgres and Redis.
import { describe, expect, it } from 'vitest'
import { bothSetups } from './host-setups'
import { barrier, cid, http, joinedClient, login, sleep, startRoomy, type Frame, type TestClient } from './support'

const reactionsOf = (c: TestClient, room: string) => c.frames.filter((f) => f.type === 'reactions' && f.room === room)
const lastStats = (c: TestClient, room: string) => reactionsOf(c, room).at(-1)?.stats

/** Waits until `c`'s latest `reactions` frame for `room` says `stats`. */
async function statsReach(c: TestClient, room: string, stats: { likes: number; flowers: number }, ms = 5000): Promise<Frame> {
  return c
    .waitFor(() => {
      const s = lastStats(c, room)
      return s !== undefined && s.likes === stats.likes && s.flowers === stats.flowers
    }, ms)
    .then(() => reactionsOf(c, room).at(-1)!)
}

bothSetups('reactions', (get) => {
  it('a react adds to the totals: no reply, no message; every member on every node gets one `reactions` frame', async () => {
    const { A, B } = get()
    const [u1, u2] = [await login(A.url, '小明'), await login(B.url, '小红')]
    const room = 'rx-basic'
    const c1 = await joinedClient(A, u1.token, room)
    const c2 = await joinedClient(B, u2.token, room)
    c1.send({ type: 'react', id: 'r1', room, kind: 'like' })
    c1.send({ type: 'react', id: 'r2', room, kind: 'like', count: 50 }) // a like's count is ignored
    c1.send({ type: 'react', id: 'r3', room, kind: 'flower', count: 5 })
    c1.send({ type: 'react', id: 'r4', room, kind: 'flower' })
    await barrier(c1)
    const f2 = await statsReach(c2, room, { likes: 2, flowers: 6 })
    const f1 = await statsReach(c1, room, { likes: 2, flowers: 6 }) // the reacting user's own connection too
    expect(f2).toEqual({ type: 'reactions', room, stats: { likes: 2, flowers: 6 }, from: [u1.user] })
    expect(f1).toEqual(f2)
    // No replies to the reacts, no message, no `room` push; one frame for the four taps.
    await sleep(1300)
    for (const c of [c1, c2]) {
      expect(c.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith('r'))).toEqual([])
      expect(c.frames.filter((f) => f.type === 'message' || f.type === 'room')).toEqual([])
      expect(reactionsOf(c, room)).toHaveLength(1)
    }
    // Not a message: no seq, nothing in history or unread.
    const h = await c2.request({ type: 'history', room, limit: 10 })
    expect(h.messages).toEqual([])
    const list = await http(B.url, 'GET', '/api/rooms', undefined, u2.token)
    expect(list.body.find((r: any) => r.id === room)).toMatchObject({ lastSeq: 0, unread: 0 })
    // RoomInfo.stats everywhere: GET /api/rooms/:id on both nodes, a fresh join's `joined.room`.
    for (const s of [A, B])
      expect((await http(s.url, 'GET', `/api/rooms/${room}`, undefined, u2.token)).body.stats).toEqual({ likes: 2, flowers: 6 })
    const u3 = await login(B.url, 'Late')
    const c3 = await joinedClient(B, u3.token)
    expect((await c3.request({ type: 'join', room })).room.stats).toEqual({ likes: 2, flowers: 6 })
    for (const c of [c1, c2, c3]) c.close()
  })

  it('like and flower messages count too and produce a frame naming their sender; a recall lowers the totals', async () => {
    const { A, B } = get()
    const [u1, u2] = [await login(A.url, 'Sender'), await login(B.url, 'Watcher')]
    const room = 'rx-messages'
    const c1 = await joinedClient(A, u1.token, room)
    const c2 = await joinedClient(B, u2.token, room)
    c2.send({ type: 'react', room, kind: 'like' })
    await statsReach(c1, room, { likes: 1, flowers: 0 })
    const like = await c1.request({ type: 'send', room, cid: cid(), kind: 'like', body: {} })
    const flower = await c1.request({ type: 'send', room, cid: cid(), kind: 'flower', body: { count: 9 } })
    expect([like.type, flower.type]).toEqual(['ack', 'ack'])
    const f = await statsReach(c2, room, { likes: 2, flowers: 9 })
    expect(f.from.map((u: Frame) => u.id)).toContain(u1.user.id)
    expect(f.from[0]).toEqual(u1.user)
    // The messages are still messages (v1 sends stay valid).
    expect(c2.messages(room).map((m) => m.kind)).toEqual(['like', 'flower'])
    const before = reactionsOf(c2, room).length
    expect(await c1.request({ type: 'recall', room, seq: like.seq })).toMatchObject({ type: 'recalled' })
    await statsReach(c2, room, { likes: 1, flowers: 9 })
    expect(await c1.request({ type: 'recall', room, seq: flower.seq })).toMatchObject({ type: 'recalled' })
    await statsReach(c2, room, { likes: 1, flowers: 0 })
    expect(reactionsOf(c2, room).length).toBeGreaterThan(before)
    expect(c2.frames.filter((x) => x.type === 'room')).toEqual([])
    expect((await http(A.url, 'GET', `/api/rooms/${room}`, undefined, u1.token)).body.stats).toEqual({ likes: 1, flowers: 0 })
    c1.close()
    c2.close()
  })

  it('refusals carry the request id: not_joined, bad_request, muted (a mute, or 全员禁言 for non-hosts)', async () => {
    const { A, B } = get()
    const owner = await login(A.url, 'Host')
    const m = await login(B.url, 'Viewer')
    const room = 'rx-refused'
    expect((await http(A.url, 'POST', '/api/rooms', { id: room }, owner.token)).status).toBe(201)
    const co = await joinedClient(A, owner.token, room)
    const cm = await joinedClient(B, m.token)
    expect(await cm.request({ type: 'react', id: 'nj', room, kind: 'like' })).toMatchObject({ type: 'error', id: 'nj', code: 'not_joined' })
    await cm.request({ type: 'join', room })
    expect(await cm.request({ type: 'react', id: 'bad', room, kind: 'flower', count: 100 })).toMatchObject({
      type: 'error',
      id: 'bad',
      code: 'bad_request',
    })
    expect(await cm.request({ type: 'react', id: 'bad2', room, kind: 'heart' })).toMatchObject({
      type: 'error',
      id: 'bad2',
      code: 'bad_request',
    })

    // A tap just before a mute (on the other node) does not let the next one through.
    cm.send({ type: 'react', id: 'ok1', room, kind: 'like' })
    await barrier(cm)
    expect((await http(A.url, 'POST', `/api/rooms/${room}/mutes`, { userId: m.user.id, seconds: 60 }, owner.token)).status).toBe(204)
    expect(await cm.request({ type: 'react', id: 'mu', room, kind: 'like' })).toMatchObject({
      type: 'error',
      id: 'mu',
      code: 'muted',
      room,
    })
    expect((await http(A.url, 'POST', `/api/rooms/${room}/mutes`, { userId: m.user.id, seconds: 0 }, owner.token)).status).toBe(204)
    cm.send({ type: 'react', id: 'ok2', room, kind: 'like' })
    await barrier(cm)

    expect((await http(A.url, 'PATCH', `/api/rooms/${room}`, { mutedAll: true }, owner.token)).status).toBe(200)
    expect(await cm.request({ type: 'react', id: 'all', room, kind: 'flower', count: 3 })).toMatchObject({
      type: 'error',
      id: 'all',
      code: 'muted',
    })
    co.send({ type: 'react', id: 'host', room, kind: 'flower', count: 3 }) // the host still reacts
    await barrier(co)
    expect(co.frames.find((f) => f.id === 'host')).toBeUndefined()
    await statsReach(cm, room, { likes: 2, flowers: 3 })
    await sleep(1200)
    // Only the accepted taps counted: two likes before and after the mute, the host's flowers.
    expect(lastStats(cm, room)).toEqual({ likes: 2, flowers: 3 })
    expect(cm.frames.filter((f) => f.id === 'ok1' || f.id === 'ok2')).toEqual([])
    // A kick ends it: not_joined.
    expect((await http(A.url, 'POST', `/api/rooms/${room}/kicks`, { userId: m.user.id, seconds: 60 }, owner.token)).status).toBe(204)
    await cm.waitFor((f) => f.type === 'kicked')
    expect(await cm.request({ type: 'react', id: 'k', room, kind: 'like' })).toMatchObject({ type: 'error', id: 'k', code: 'not_joined' })
    co.close()
    cm.close()
  })

  it('40 users × 8 likes a second for 2.5 s across both nodes: exactly 800, 1–6 frames each, the last says 800, no messages', async () => {
    const { A, B } = get()
    const room = 'rx-storm'
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => login((i % 2 ? B : A).url, `fan${i}`)))
    const conns = await Promise.all(users.map((u, i) => joinedClient(i % 2 ? B : A, u.token, room)))
    const t0 = Date.now()
    const at = new Map<TestClient, number[]>(conns.map((c) => [c, []]))
    for (const c of conns) c.ws.on('message', (d) => JSON.parse(d.toString()).type === 'reactions' && at.get(c)!.push(Date.now()))
    // 20 rounds 125 ms apart: 8 a second per user, all 40 users each round.
    for (let round = 0; round < 20; round++) {
      for (const c of conns) c.send({ type: 'react', room, kind: 'like' })
      await sleep(Math.max(0, t0 + (round + 1) * 125 - Date.now()))
    }
    await Promise.all(conns.map((c) => statsReach(c, room, { likes: 800, flowers: 0 }, 5000)))
    await sleep(1500) // nothing more after the final totals
    for (const c of conns) {
      const frames = reactionsOf(c, room)
      expect(frames.length).toBeGreaterThanOrEqual(1)
      expect(frames.length).toBeLessThanOrEqual(6)
      expect(frames.at(-1)!.stats).toEqual({ likes: 800, flowers: 0 })
      expect(c.frames.filter((f) => f.type === 'message' || f.type === 'error')).toEqual([])
      for (const f of frames) expect(f.from.length).toBeLessThanOrEqual(5)
      // One frame per room per second across the cluster, not one per node.
      const times = at.get(c)!
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThan(500)
    }
    expect((await http(B.url, 'GET', `/api/rooms/${room}`, undefined, users[0].token)).body.stats).toEqual({ likes: 800, flowers: 0 })
    for (const c of conns) c.close()
  }, 30_000)
})

describe('reactions: the rate limit is a bucket of its own', () => {
  it('over REACT_RATE_LIMIT a second → rate_limited; sends are not counted against it, nor it against sends', async () => {
    const s = await startRoomy({ REACT_RATE_LIMIT: '10', SEND_RATE_LIMIT: '3', SEND_RATE_WINDOW_MS: '60000' })
    try {
      const u = await login(s.url, 'Tapper')
      const room = 'rx-rate'
      const c = await joinedClient(s, u.token, room)
      for (let i = 0; i < 14; i++) c.send({ type: 'react', id: `t${i}`, room, kind: 'like' })
      await barrier(c)
      const refused = c.frames.filter((f) => f.type === 'error' && String(f.id).startsWith('t'))
      expect(refused.length).toBeGreaterThanOrEqual(4)
      for (const f of refused) expect(f).toMatchObject({ code: 'rate_limited', room })
      // Three sends still fit in the send budget of 3: the 14 taps used none of it.
      for (let i = 0; i < 3; i++)
        expect(await c.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: `m${i}` } })).toMatchObject({ type: 'ack' })
      expect(await c.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'over' } })).toMatchObject({
        type: 'error',
        code: 'rate_limited',
      })
      // …and the spent send budget does not stop reactions once their second is over.
      await sleep(1100)
      c.send({ type: 'react', id: 'later', room, kind: 'like' })
      await barrier(c)
      expect(c.frames.find((f) => f.id === 'later')).toBeUndefined()
      await statsReach(c, room, { likes: 14 - refused.length + 1, flowers: 0 })
      c.close()
    } finally {
      await s.close()
    }
  })
})
