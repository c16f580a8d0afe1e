// §3.3 membership, §3.2 join/leave and the `joined` frame, §3.5 room ids, §2 GET /api/rooms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  barrier,
  expectError,
  fill,
  http,
  joinedClient,
  login,
  range,
  roomEntry,
  sendText,
  seqs,
  sleep,
  startRoomy,
  TestClient,
  type Login,
  type TestServer,
} from './support'

let s: TestServer
beforeAll(async () => {
  s = await startRoomy()
})
afterAll(async () => {
  await s?.close()
})

const roomIds = async (who: Login) => (await http(s.url, 'GET', '/api/rooms', undefined, who.token)).body.map((r: any) => r.id)

describe('membership', () => {
  it('join makes the room appear in /api/rooms, with kind group and title defaulting to the id', async () => {
    const u = await login(s.url, 'Joiner')
    expect(await roomIds(u)).toEqual([])
    const c = await joinedClient(s, u.token, 'member-a')
    expect(await roomEntry(s, u.token, 'member-a')).toEqual({
      id: 'member-a',
      title: 'member-a',
      kind: 'group',
      lastSeq: 0,
      unread: 0,
      lastMessage: null,
      mentioned: false,
    })
    c.close()
  })

  it('membership outlives the connection: still listed on a new connection that joined nothing', async () => {
    const u = await login(s.url, 'Stayer')
    const c = await joinedClient(s, u.token, 'member-b')
    c.close()
    await c.waitClose()
    const d = await TestClient.connect(s.wsUrl, u.token)
    expect(await roomIds(u)).toEqual(['member-b'])
    // A member may use the HTTP API without any socket in the room.
    expect((await http(s.url, 'GET', '/api/rooms/member-b/messages', undefined, u.token)).status).toBe(200)
    d.close()
  })

  it('a disconnect only ends the subscription: sends on the new socket need a join (not_joined)', async () => {
    const u = await login(s.url, 'Resubscriber')
    const c = await joinedClient(s, u.token, 'member-c')
    c.close()
    await c.waitClose()
    const d = await TestClient.connect(s.wsUrl, u.token)
    expect(await sendText(d, 'member-c', 'x')).toMatchObject({ type: 'error', code: 'not_joined' })
    d.close()
  })

  it('leave replies left (with the id) and ends the membership: gone from /api/rooms, HTTP history 403 not_joined', async () => {
    const u = await login(s.url, 'Leaver')
    const c = await joinedClient(s, u.token, 'member-d', 'member-keep')
    expect(await c.request({ type: 'leave', id: 'lv', room: 'member-d' })).toEqual({ type: 'left', id: 'lv', room: 'member-d' })
    expect(await roomIds(u)).toEqual(['member-keep'])
    expectError(await http(s.url, 'GET', '/api/rooms/member-d/messages', undefined, u.token), 'not_joined')
    expect(await sendText(c, 'member-d', 'x')).toMatchObject({ type: 'error', code: 'not_joined' })
    c.close()
  })

  it('after leave the connection no longer receives the room', async () => {
    const u = await login(s.url, 'Quitter')
    const other = await login(s.url, 'Talker')
    const c = await joinedClient(s, u.token, 'member-e')
    const t = await joinedClient(s, other.token, 'member-e')
    await c.request({ type: 'leave', room: 'member-e' })
    const { seq } = await sendText(t, 'member-e', 'anyone?')
    await t.waitFor((f) => f.type === 'message' && f.msg.seq === seq)
    await barrier(c)
    expect(c.messages('member-e')).toEqual([])
    c.close()
    t.close()
  })

  it('◆ leave of a room this connection never joined still answers left and ends the membership', async () => {
    const u = await login(s.url, 'Remote leaver')
    const c = await joinedClient(s, u.token, 'member-f')
    c.close()
    await c.waitClose()
    const d = await TestClient.connect(s.wsUrl, u.token)
    expect(await d.request({ type: 'leave', room: 'member-f' })).toMatchObject({ type: 'left', room: 'member-f' })
    expect(await roomIds(u)).toEqual([])
    d.close()
  })

  it('leave of a malformed room id is bad_request', async () => {
    const u = await login(s.url, 'Bad leaver')
    const c = await TestClient.connect(s.wsUrl, u.token)
    expect(await c.request({ type: 'leave', room: 'no spaces' })).toMatchObject({ type: 'error', code: 'bad_request' })
    c.close()
  })

  it('resume re-joins like join with after: the membership comes back', async () => {
    const u = await login(s.url, 'Resumer')
    const c = await joinedClient(s, u.token, 'member-g')
    await sendText(c, 'member-g', 'hello')
    await c.request({ type: 'leave', room: 'member-g' })
    c.close()
    const d = await TestClient.open(s.wsUrl)
    d.send({ type: 'hello', token: u.token, resume: { 'member-g': 0 } })
    const j = await d.waitFor((f) => f.type === 'joined')
    expect(j).toMatchObject({ room: { id: 'member-g', kind: 'group' }, lastSeq: 1, more: false })
    expect(seqs(j.messages)).toEqual([1])
    expect(await roomIds(u)).toEqual(['member-g'])
    d.close()
  })
})

describe('resume', () => {
  it('re-joins every listed room after welcome: one joined each, without id, with the messages after each seq', async () => {
    const u = await login(s.url, 'Multi')
    const w = await joinedClient(s, u.token, 'res-a', 'res-b', 'res-c')
    await fill(w, 'res-a', 3)
    await fill(w, 'res-b', 5)
    w.close()
    await w.waitClose()
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', id: 'h', token: u.token, resume: { 'res-a': 1, 'res-b': 5, 'res-c': 0 } })
    const joined = await c.waitCount((f) => f.type === 'joined', 3)
    const welcomeAt = c.frames.findIndex((f) => f.type === 'welcome')
    expect(welcomeAt).toBeGreaterThanOrEqual(0)
    for (const j of joined) {
      expect(c.frames.indexOf(j)).toBeGreaterThan(welcomeAt)
      expect(j).not.toHaveProperty('id')
    }
    const byRoom = Object.fromEntries(joined.map((j) => [j.room.id, { s: seqs(j.messages), last: j.lastSeq, more: j.more }]))
    expect(byRoom).toEqual({
      'res-a': { s: [2, 3], last: 3, more: false },
      'res-b': { s: [], last: 5, more: false },
      'res-c': { s: [], last: 0, more: false },
    })
    await barrier(c)
    expect(c.frames.filter((f) => f.type === 'joined')).toHaveLength(3)
    // The resumed rooms are subscribed: live messages arrive.
    const other = await login(s.url, 'Poster')
    const p = await joinedClient(s, other.token, 'res-b')
    const { seq } = await sendText(p, 'res-b', 'live')
    expect((await c.waitFor((f) => f.type === 'message' && f.room === 'res-b')).msg.seq).toBe(seq)
    p.close()
    c.close()
  })
})

describe('/api/rooms order', () => {
  it('newest message first; rooms without messages last, newest membership first', async () => {
    const u = await login(s.url, 'Sorter')
    const c = await joinedClient(s, u.token)
    for (const r of ['order-empty-old', 'order-busy-1', 'order-busy-2', 'order-empty-new']) {
      await c.request({ type: 'join', room: r })
      await sleep(5) // distinct membership times
    }
    await sendText(c, 'order-busy-1', 'first')
    await sleep(5)
    await sendText(c, 'order-busy-2', 'second')
    expect(await roomIds(u)).toEqual(['order-busy-2', 'order-busy-1', 'order-empty-new', 'order-empty-old'])
    await sleep(5)
    await sendText(c, 'order-busy-1', 'third')
    const list = (await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body
    expect(list.map((r: any) => r.id)).toEqual(['order-busy-1', 'order-busy-2', 'order-empty-new', 'order-empty-old'])
    expect(list[0]).toMatchObject({
      lastSeq: 2,
      lastMessage: { room: 'order-busy-1', seq: 2, kind: 'text', body: { text: 'third' }, from: u.user },
    })
    expect(list[2].lastMessage).toBeNull()
    c.close()
  })
})

describe('joined', () => {
  let w: TestClient
  let writer: Login
  const BIG = 'joined-big'
  beforeAll(async () => {
    writer = await login(s.url, 'Writer')
    w = await joinedClient(s, writer.token, BIG, 'joined-30', 'joined-31')
    await fill(w, BIG, 250)
    await fill(w, 'joined-30', 30)
    await fill(w, 'joined-31', 31)
  })
  afterAll(() => w.close())

  it('without after: the latest 30, ascending, more when older ones exist', async () => {
    const u = await login(s.url, 'Reader')
    const c = await TestClient.connect(s.wsUrl, u.token)
    const j = await c.request({ type: 'join', room: BIG })
    expect(j).toMatchObject({ type: 'joined', room: { id: BIG, title: BIG, kind: 'group' }, lastSeq: 250, more: true })
    expect(seqs(j.messages)).toEqual(range(221, 250))
    const j31 = await c.request({ type: 'join', room: 'joined-31' })
    expect({ s: seqs(j31.messages), more: j31.more }).toEqual({ s: range(2, 31), more: true })
    const j30 = await c.request({ type: 'join', room: 'joined-30' })
    expect({ s: seqs(j30.messages), more: j30.more }).toEqual({ s: range(1, 30), more: false })
    c.close()
  })

  it('with after: the messages above it, at most 200, ascending, more when further ones exist', async () => {
    const u = await login(s.url, 'Catcher')
    const c = await TestClient.connect(s.wsUrl, u.token)
    const j0 = await c.request({ type: 'join', room: BIG, after: 0 })
    expect(j0).toMatchObject({ lastSeq: 250, more: true })
    expect(seqs(j0.messages)).toEqual(range(1, 200))
    const j40 = await c.request({ type: 'join', room: BIG, after: 40 })
    expect({ s: seqs(j40.messages), more: j40.more }).toEqual({ s: range(41, 240), more: true })
    const j50 = await c.request({ type: 'join', room: BIG, after: 50 })
    expect({ s: seqs(j50.messages), more: j50.more, last: j50.lastSeq }).toEqual({ s: range(51, 250), more: false, last: 250 })
    const j240 = await c.request({ type: 'join', room: BIG, after: 240 })
    expect({ s: seqs(j240.messages), more: j240.more }).toEqual({ s: range(241, 250), more: false })
    const jEnd = await c.request({ type: 'join', room: BIG, after: 250 })
    expect({ s: seqs(jEnd.messages), more: jEnd.more }).toEqual({ s: [], more: false })
    c.close()
  })

  it('live messages follow joined.lastSeq without a gap (after a join with more)', async () => {
    const u = await login(s.url, 'Live')
    const c = await TestClient.connect(s.wsUrl, u.token)
    const j = await c.request({ type: 'join', room: BIG, after: 0 })
    const { seq } = await sendText(w, BIG, 'live one')
    expect(seq).toBe(j.lastSeq + 1)
    const live = await c.waitFor((f) => f.type === 'message' && f.room === BIG)
    expect(live.msg.seq).toBe(j.lastSeq + 1)
    c.close()
  })

  it('refuses a bad after with bad_request', async () => {
    const u = await login(s.url, 'Bad after')
    const c = await TestClient.connect(s.wsUrl, u.token)
    for (const after of [-1, 1.5, '3', null]) {
      expect(await c.request({ type: 'join', room: BIG, after })).toMatchObject({ type: 'error', code: 'bad_request' })
    }
    c.close()
  })

  it('◆ joining a room again on the same connection gives a fresh joined, and messages are not doubled', async () => {
    const u = await login(s.url, 'Twice')
    const c = await joinedClient(s, u.token, 'joined-twice')
    const again = await c.request({ type: 'join', room: 'joined-twice' })
    expect(again).toMatchObject({ type: 'joined', lastSeq: 0 })
    const { seq } = await sendText(c, 'joined-twice', 'once')
    await c.waitFor((f) => f.type === 'message' && f.msg.seq === seq)
    await barrier(c)
    expect(c.messages('joined-twice')).toHaveLength(1)
    c.close()
  })
})

describe('group room ids', () => {
  it('joining an unknown group room creates it; ids of 1 and 64 characters of [A-Za-z0-9_-] work', async () => {
    const u = await login(s.url, 'Creator')
    const c = await TestClient.connect(s.wsUrl, u.token)
    for (const id of ['x', 'A-z_0-9', 'R'.repeat(64)]) {
      expect(await c.request({ type: 'join', room: id })).toMatchObject({
        type: 'joined',
        room: { id, title: id, kind: 'group' },
        lastSeq: 0,
      })
    }
    c.close()
  })

  it.each(['', 'has space', 'dot.dot', 'slash/x', 'ä', 'R'.repeat(65), 42, null])('refuses room id %j with bad_request', async (room) => {
    const u = await login(s.url, 'Bad ids')
    const c = await TestClient.connect(s.wsUrl, u.token)
    expect(await c.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'bad_request' })
    c.close()
  })

  it('bad room ids are 400 bad_request on the HTTP room routes', async () => {
    const u = await login(s.url, 'Bad http ids')
    for (const path of ['/api/rooms/has%20space/messages', '/api/rooms/dot.dot/messages', `/api/rooms/${'R'.repeat(65)}/messages`]) {
      expectError(await http(s.url, 'GET', path, undefined, u.token), 'bad_request')
    }
  })
})
