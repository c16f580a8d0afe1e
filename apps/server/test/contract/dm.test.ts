// §3.5: `dm:<userA>:<userB>` (sorted) is the private room of those two users; nobody else
// may join it (forbidden). §3.6: a malformed dm: id is bad_request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  barrier,
  cid,
  enc,
  expectError,
  http,
  joinedClient,
  login,
  roomEntry,
  sendText,
  startRoomy,
  TestClient,
  type Login,
  type TestServer,
} from './support'

let s: TestServer
let alice: Login, bob: Login, eve: Login
let DM: string

beforeAll(async () => {
  s = await startRoomy()
  alice = await login(s.url, 'Alice')
  bob = await login(s.url, 'Bob')
  eve = await login(s.url, 'Eve')
  const [x, y] = [alice.user.id, bob.user.id].sort()
  DM = `dm:${x}:${y}`
  await meet('dm-common', alice, bob)
})

/** v1.1 §H: a dm opens between members of a common group room (or once it has a message). */
async function meet(room: string, ...users: Login[]) {
  for (const u of users) (await joinedClient(s, u.token, room)).close()
}
afterAll(async () => {
  await s?.close()
})

describe('the private room of two users', () => {
  it('both users join it (kind dm, title the id) and talk; the message reaches both', async () => {
    const a = await TestClient.connect(s.wsUrl, alice.token)
    const b = await TestClient.connect(s.wsUrl, bob.token)
    const ja = await a.request({ type: 'join', room: DM })
    expect(ja).toMatchObject({ type: 'joined', room: { id: DM, title: DM, kind: 'dm' }, lastSeq: 0 })
    expect(await b.request({ type: 'join', room: DM })).toMatchObject({ type: 'joined', room: { id: DM, kind: 'dm' } })
    const ack = await sendText(a, DM, '私聊')
    expect(ack).toMatchObject({ type: 'ack', room: DM, seq: 1 })
    const got = await b.waitFor((f) => f.type === 'message' && f.room === DM)
    expect(got.msg).toMatchObject({ room: DM, seq: 1, from: alice.user, body: { text: '私聊' } })
    const viaHttp = await http(s.url, 'POST', `/api/rooms/${enc(DM)}/messages`, { cid: cid(), kind: 'like', body: {} }, bob.token)
    expect(viaHttp).toMatchObject({ status: 200, body: { room: DM, seq: 2 } })
    expect(await roomEntry(s, alice.token, DM)).toMatchObject({ id: DM, kind: 'dm', title: DM, lastSeq: 2 })
    a.close()
    b.close()
  })

  it('a third user gets forbidden on join, and the connection stays usable', async () => {
    const e = await TestClient.connect(s.wsUrl, eve.token)
    expect(await e.request({ type: 'join', id: 'peek', room: DM })).toMatchObject({ type: 'error', id: 'peek', code: 'forbidden' })
    expect(await e.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    expect(await roomEntry(s, eve.token, DM)).toBeUndefined()
    e.close()
  })

  it('a third user cannot read or post over HTTP (403), and ◆ cannot see who is online (403 forbidden)', async () => {
    const r = await http(s.url, 'GET', `/api/rooms/${enc(DM)}/messages`, undefined, eve.token)
    expect(r.status).toBe(403)
    const p = await http(s.url, 'POST', `/api/rooms/${enc(DM)}/messages`, { cid: cid(), kind: 'text', body: { text: 'hi' } }, eve.token)
    expect(p.status).toBe(403)
    expectError(await http(s.url, 'GET', `/api/rooms/${enc(DM)}/online`, undefined, eve.token), 'forbidden')
    expect((await http(s.url, 'GET', `/api/rooms/${enc(DM)}/online`, undefined, alice.token)).status).toBe(200)
  })

  it('a third user resuming the dm gets an error for it in place of joined (◆ with the room, no id)', async () => {
    const e = await TestClient.open(s.wsUrl)
    e.send({ type: 'hello', id: 'h', token: eve.token, resume: { [DM]: 0 } })
    const err = await e.waitFor((f) => f.type === 'error')
    expect(err).toMatchObject({ type: 'error', code: 'forbidden', room: DM })
    expect(err).not.toHaveProperty('id')
    await barrier(e)
    expect(e.frames.some((f) => f.type === 'joined')).toBe(false)
    e.close()
  })

  it('equal ids (a dm with oneself) are malformed: bad_request', async () => {
    const a = await TestClient.connect(s.wsUrl, alice.token)
    const self = `dm:${alice.user.id}:${alice.user.id}`
    expect(await a.request({ type: 'join', room: self })).toMatchObject({ type: 'error', code: 'bad_request' })
    a.close()
  })

  it('◆ a dm with a user that does not exist is not_found', async () => {
    const a = await TestClient.connect(s.wsUrl, alice.token)
    const ghost = 'u_zzzzzzzzzzzzzzzz'
    const room = alice.user.id < ghost ? `dm:${alice.user.id}:${ghost}` : `dm:${ghost}:${alice.user.id}`
    expect(await a.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'not_found' })
    a.close()
  })
})

describe('malformed dm ids are bad_request', () => {
  const cases = (): Array<[string, string]> => {
    const [x, y] = [alice.user.id, bob.user.id].sort()
    return [
      ['unsorted', `dm:${y}:${x}`],
      ['one id', `dm:${x}`],
      ['three ids', `dm:${x}:${y}:${eve.user.id}`],
      ['an empty id', `dm::${x}`],
      ['a bad character', `dm:${x}:${y}!`],
      ['upper-case prefix', `DM:${x}:${y}`],
      ['an id over 64 characters', `dm:${x}:${'z'.repeat(65)}`],
    ]
  }

  it('over the socket join', async () => {
    const a = await TestClient.connect(s.wsUrl, alice.token)
    for (const [what, room] of cases()) {
      expect({ what, r: await a.request({ type: 'join', room }) }).toMatchObject({ what, r: { type: 'error', code: 'bad_request' } })
    }
    a.close()
  })

  it('on the HTTP room routes (400)', async () => {
    for (const [, room] of cases()) {
      expectError(await http(s.url, 'GET', `/api/rooms/${enc(room)}/messages`, undefined, alice.token), 'bad_request')
      expectError(await http(s.url, 'GET', `/api/rooms/${enc(room)}/online`, undefined, alice.token), 'bad_request')
      expectError(
        await http(s.url, 'POST', `/api/rooms/${enc(room)}/messages`, { cid: cid(), kind: 'like', body: {} }, alice.token),
        'bad_request',
      )
    }
  })

  it('◆ POST /api/rooms with a dm id is 400 (dm rooms are made by joining them)', async () => {
    expectError(await http(s.url, 'POST', '/api/rooms', { id: DM, title: 'mine' }, alice.token), 'bad_request')
  })
})

describe('the dm works for either user whichever joins first', () => {
  it("the second user sees the first one's messages on join", async () => {
    const carol = await login(s.url, 'Carol')
    const dave = await login(s.url, 'Dave')
    await meet('dm-common-2', carol, dave)
    const room = carol.user.id < dave.user.id ? `dm:${carol.user.id}:${dave.user.id}` : `dm:${dave.user.id}:${carol.user.id}`
    const c = await joinedClient(s, carol.token, room)
    await sendText(c, room, 'are you there?')
    const d = await TestClient.connect(s.wsUrl, dave.token)
    const j = await d.request({ type: 'join', room })
    expect(j.messages.map((m: any) => m.body.text)).toEqual(['are you there?'])
    expect(j.online.map((u: any) => u.id).sort()).toEqual([carol.user.id, dave.user.id].sort())
    c.close()
    d.close()
  })
})
