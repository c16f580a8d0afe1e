// §3.2 recall, §3.4 recalled messages, §3.6 recall rules (author within 2 min, owner/admins
// at any time, others forbidden).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  barrier,
  cid,
  http,
  joinedClient,
  login,
  roomEntry,
  sendText,
  startRoomy,
  type Login,
  TestClient,
  type TestServer,
} from './support'

let s: TestServer
let owner: Login, admin: Login, bob: Login, carol: Login
let o: TestClient, a: TestClient, b: TestClient, b2: TestClient, c: TestClient
const R = 'recall-live'

beforeAll(async () => {
  s = await startRoomy()
  owner = await login(s.url, 'Owner')
  admin = await login(s.url, 'Admin')
  bob = await login(s.url, 'Bob')
  carol = await login(s.url, 'Carol')
  expect((await http(s.url, 'POST', '/api/rooms', { id: R, title: 'Recall room' }, owner.token)).status).toBe(201)
  o = await joinedClient(s, owner.token, R)
  a = await joinedClient(s, admin.token, R)
  b = await joinedClient(s, bob.token, R)
  b2 = await joinedClient(s, bob.token, R) // Bob's second device
  c = await joinedClient(s, carol.token, R)
  expect((await http(s.url, 'POST', `/api/rooms/${R}/admins`, { userId: admin.user.id }, owner.token)).status).toBe(204)
})
afterEach(() => {
  vi.useRealTimers()
})
afterAll(async () => {
  for (const x of [o, a, b, b2, c]) x?.close()
  await s?.close()
})

const recalledPush = (seq: number) => (f: any) => f.type === 'recalled' && f.room === R && f.seq === seq

async function historyMsg(cl: TestClient, room: string, seq: number) {
  const h = await cl.request({ type: 'history', room, after: seq - 1, limit: 1 })
  return h.messages[0]
}

describe('the author recalls within 2 minutes', () => {
  let seq: number
  let original: any

  it("every connection in the room gets `recalled` with `by`; the requester's own copy carries its id", async () => {
    const ack = await sendText(b, R, 'oops, wrong room')
    seq = ack.seq
    original = (await c.waitFor((f) => f.type === 'message' && f.msg.seq === seq)).msg
    const own = await b.request({ type: 'recall', id: 'rc-1', room: R, seq })
    expect(own).toEqual({ type: 'recalled', id: 'rc-1', room: R, seq, by: bob.user.id })
    for (const cl of [o, a, c, b2]) {
      const push = await cl.waitFor(recalledPush(seq))
      expect(push).toEqual({ type: 'recalled', room: R, seq, by: bob.user.id })
    }
  })

  it('history (socket and HTTP) shows the message with its seq, recalled:true and body {}', async () => {
    const viaSocket = await historyMsg(c, R, seq)
    expect(viaSocket).toMatchObject({ room: R, seq, cid: original.cid, from: bob.user, kind: 'text', recalled: true, body: {} })
    const viaHttp = await http(s.url, 'GET', `/api/rooms/${R}/messages?after=${seq - 1}&limit=1`, undefined, carol.token)
    expect(viaHttp.status).toBe(200)
    expect(viaHttp.body.messages[0]).toEqual(viaSocket)
  })

  it('every later read shows it recalled: a new join, a join with after, resume, lastMessage', async () => {
    const late = await joinedClient(s, carol.token)
    const j = await late.request({ type: 'join', room: R })
    expect(j.messages.find((m: any) => m.seq === seq)).toMatchObject({ recalled: true, body: {} })
    const ja = await late.request({ type: 'join', room: R, after: seq - 1 })
    expect(ja.messages[0]).toMatchObject({ seq, recalled: true, body: {} })
    late.close()
    const resumed = await TestClient.open(s.wsUrl)
    resumed.send({ type: 'hello', token: carol.token, resume: { [R]: seq - 1 } })
    const rj = await resumed.waitFor((f) => f.type === 'joined')
    expect(rj.messages[0]).toMatchObject({ seq, recalled: true, body: {} })
    resumed.close()
    const entry = await roomEntry(s, carol.token, R)
    expect(entry.lastMessage).toMatchObject({ seq, recalled: true, body: {} })
  })

  it('keeps the seq: the next message gets seq + 1', async () => {
    const next = await sendText(c, R, 'after the recall')
    expect(next.seq).toBe(seq + 1)
  })

  it('◆ recalling an already recalled message succeeds again', async () => {
    expect(await b.request({ type: 'recall', room: R, seq })).toMatchObject({ type: 'recalled', room: R, seq, by: bob.user.id })
  })
})

describe('who may recall', () => {
  it('another member gets forbidden and the message stays', async () => {
    const { seq } = await sendText(b, R, 'mine, not yours')
    const err = await c.request({ type: 'recall', id: 'nope', room: R, seq })
    expect(err).toMatchObject({ type: 'error', id: 'nope', code: 'forbidden' })
    expect(await historyMsg(c, R, seq)).toMatchObject({ body: { text: 'mine, not yours' } })
    expect((await historyMsg(c, R, seq)).recalled).toBeUndefined()
    // Nobody was told about a recall.
    await barrier(b)
    expect(b.frames.some(recalledPush(seq))).toBe(false)
  })

  it("the owner recalls someone else's message", async () => {
    const { seq } = await sendText(c, R, 'spam spam')
    expect(await o.request({ type: 'recall', room: R, seq })).toMatchObject({ type: 'recalled', seq, by: owner.user.id })
    expect(await c.waitFor(recalledPush(seq))).toMatchObject({ by: owner.user.id })
    expect(await historyMsg(b, R, seq)).toMatchObject({ recalled: true, body: {} })
  })

  it("an admin recalls someone else's message, including the owner's", async () => {
    const { seq } = await sendText(b, R, 'flame')
    expect(await a.request({ type: 'recall', room: R, seq })).toMatchObject({ type: 'recalled', seq, by: admin.user.id })
    const own = await sendText(o, R, 'owner speaking')
    expect(await a.request({ type: 'recall', room: R, seq: own.seq })).toMatchObject({ type: 'recalled', seq: own.seq, by: admin.user.id })
  })

  it('in a room without an owner only the author may recall', async () => {
    const pub = 'recall-pub'
    const x = await joinedClient(s, bob.token, pub)
    const y = await joinedClient(s, carol.token, pub)
    const { seq } = await sendText(x, pub, 'public')
    expect(await y.request({ type: 'recall', room: pub, seq })).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await x.request({ type: 'recall', room: pub, seq })).toMatchObject({ type: 'recalled', seq, by: bob.user.id })
    x.close()
    y.close()
  })

  it('◆ a seq with no message is not_found', async () => {
    expect(await o.request({ type: 'recall', room: R, seq: 987_654 })).toMatchObject({ type: 'error', code: 'not_found' })
  })

  it('recall needs this connection to have joined the room (not_joined), membership alone is not enough', async () => {
    const { seq } = await sendText(b, R, 'x')
    const fresh = await joinedClient(s, bob.token) // Bob is a member, this socket has not joined
    expect(await fresh.request({ type: 'recall', room: R, seq })).toMatchObject({ type: 'error', code: 'not_joined' })
    fresh.close()
  })
})

describe('the 2-minute window (the server clock is moved, nothing waits)', () => {
  it('the author may still recall before 2 minutes have passed', async () => {
    const { seq, ts } = await sendText(b, R, 'recall me in time')
    vi.setSystemTime(ts + 100_000)
    expect(await b.request({ type: 'recall', room: R, seq })).toMatchObject({ type: 'recalled', seq, by: bob.user.id })
  })

  it('after 2 minutes the author gets too_late; the owner and admins still may', async () => {
    const m1 = await sendText(b, R, 'old news 1')
    const m2 = await sendText(b, R, 'old news 2')
    vi.setSystemTime(m2.ts + 2 * 60_000 + 5_000)
    expect(await b.request({ type: 'recall', id: 'late', room: R, seq: m1.seq })).toMatchObject({
      type: 'error',
      id: 'late',
      code: 'too_late',
    })
    expect((await historyMsg(b, R, m1.seq)).body).toEqual({ text: 'old news 1' })
    expect(await o.request({ type: 'recall', room: R, seq: m1.seq })).toMatchObject({ type: 'recalled', seq: m1.seq, by: owner.user.id })
    expect(await a.request({ type: 'recall', room: R, seq: m2.seq })).toMatchObject({ type: 'recalled', seq: m2.seq, by: admin.user.id })
  })

  it('a non-author gets forbidden, not too_late, for an old message', async () => {
    const m = await sendText(b, R, 'ancient')
    vi.setSystemTime(m.ts + 60 * 60_000)
    expect(await c.request({ type: 'recall', room: R, seq: m.seq })).toMatchObject({ type: 'error', code: 'forbidden' })
  })
})

describe('recalls and unread counts', () => {
  it('◆ unread excludes recalled messages', async () => {
    const dave = await login(s.url, 'Dave')
    const d = await joinedClient(s, dave.token, R)
    const before = (await roomEntry(s, dave.token, R)).unread
    expect(before).toBe(0)
    const m1 = await sendText(b, R, 'one')
    await sendText(b, R, 'two')
    expect((await roomEntry(s, dave.token, R)).unread).toBe(2)
    await b.request({ type: 'recall', room: R, seq: m1.seq })
    expect((await roomEntry(s, dave.token, R)).unread).toBe(1)
    d.close()
  })

  it('cid dedupe survives a recall: a retry gets the original ack and nothing new is stored', async () => {
    const k = cid()
    const first = await b.request({ type: 'send', room: R, cid: k, kind: 'text', body: { text: 'retry me' } })
    await b.request({ type: 'recall', room: R, seq: first.seq })
    const again = await b.request({ type: 'send', room: R, cid: k, kind: 'text', body: { text: 'retry me' } })
    expect(again).toMatchObject({ type: 'ack', seq: first.seq, ts: first.ts })
    const h = await b.request({ type: 'history', room: R, limit: 1 })
    expect(h.messages.at(-1).seq).toBe(first.seq)
  })
})
