// §2 "errors are {"error": code, "message": text}" and the HTTP status of each code;
// unknown routes; §3 error frames; rate limits (429 / rate_limited).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, expectError, http, joinedClient, login, startRoomy, STATUS, TestClient, type Login, type TestServer } from './support'
import { startServer } from '../helpers/app'

let s: TestServer
let u: Login
beforeAll(async () => {
  s = await startRoomy()
  u = await login(s.url, 'Errors')
})
afterAll(async () => {
  await s?.close()
})

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/api/nope'],
    ['POST', '/api/nope'],
    ['GET', '/api/rooms/x/nope'],
    ['DELETE', '/api/rooms'],
    ['PUT', '/api/me'],
    ['GET', '/api'],
  ])('%s %s → 404 {"error":"not_found","message"}', async (method, path) => {
    expectError(await http(s.url, method, path, undefined, u.token), 'not_found')
  })

  it('404 also without a token', async () => {
    expectError(await http(s.url, 'GET', '/api/definitely-not-a-route'), 'not_found')
  })
})

describe('every error reply has the contract shape and the status of its code', () => {
  let owner: Login
  let member: Login
  beforeAll(async () => {
    owner = await login(s.url, 'Owner')
    member = await login(s.url, 'Member')
    expect((await http(s.url, 'POST', '/api/rooms', { id: 'err-room', title: 't' }, owner.token)).status).toBe(201)
    const c = await joinedClient(s, member.token, 'err-room')
    c.close()
    expect((await http(s.url, 'POST', '/api/rooms/err-room/mutes', { userId: member.user.id, seconds: 600 }, owner.token)).status).toBe(204)
  })

  const cases: Array<[string, () => Promise<{ status: number; body: unknown }>, string]> = [
    ['login without a name', () => http(s.url, 'POST', '/api/login', {}), 'bad_request'],
    ['login with a non-JSON body', () => http(s.url, 'POST', '/api/login', 'name=x'), 'bad_request'],
    ['/api/me without a token', () => http(s.url, 'GET', '/api/me'), 'unauthorized'],
    [
      '/api/me with a malformed Authorization',
      () => fetch(`${s.url}/api/me`, { headers: { authorization: 'Token abc' } }).then(toReply),
      'unauthorized',
    ],
    ['POST /api/rooms without a token', () => http(s.url, 'POST', '/api/rooms', { title: 'x' }), 'unauthorized'],
    ['POST /api/uploads without a token', () => http(s.url, 'POST', '/api/uploads', {}), 'unauthorized'],
    ['wechat login, not configured', () => http(s.url, 'POST', '/api/login/wechat', { code: 'x' }), 'wechat_disabled'],
    ['history of a room not joined', () => http(s.url, 'GET', '/api/rooms/err-room/messages', undefined, u.token), 'not_joined'],
    [
      'a send to a room not joined',
      () => http(s.url, 'POST', '/api/rooms/err-room/messages', { cid: cid(), kind: 'like', body: {} }, u.token),
      'not_joined',
    ],
    [
      'a muted send',
      () => http(s.url, 'POST', '/api/rooms/err-room/messages', { cid: cid(), kind: 'like', body: {} }, member.token),
      'muted',
    ],
    [
      'moderation by a non-moderator',
      () => http(s.url, 'POST', '/api/rooms/err-room/kicks', { userId: owner.user.id, seconds: 1 }, member.token),
      'forbidden',
    ],
    [
      'a bad cid',
      () => http(s.url, 'POST', '/api/rooms/err-room/messages', { cid: 'short', kind: 'like', body: {} }, member.token),
      'bad_request',
    ],
    ['an unknown route', () => http(s.url, 'GET', '/api/unknown', undefined, u.token), 'not_found'],
  ]
  it.each(cases)('%s', async (_what, call, code) => {
    expectError(await call(), code)
  })

  it('is JSON with a JSON content type', async () => {
    const res = await fetch(`${s.url}/api/me`)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({ error: 'unauthorized', message: expect.any(String) })
  })
})

async function toReply(res: Response) {
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body }
}

describe('socket error frames', () => {
  it('are {"type":"error","id","code","message"} and the connection stays open', async () => {
    const c = await TestClient.connect(s.wsUrl, u.token)
    const e = await c.request({ type: 'send', id: 42, room: 'err-room', cid: cid(), kind: 'text', body: { text: 'x' } })
    expect(e).toMatchObject({ type: 'error', id: 42, code: 'not_joined', message: expect.any(String) })
    expect(Object.keys(STATUS)).toContain(e.code)
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    expect(c.closeCode).toBeNull()
    c.close()
  })
})

describe('rate limits: 429 rate_limited over HTTP, rate_limited frames on the socket', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startServer({ SEND_RATE_LIMIT: '3', SEND_RATE_WINDOW_MS: '600000', LOGIN_RATE_LIMIT: '4' })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('sends past the limit get rate_limited (socket) and 429 (HTTP), and are not stored', async () => {
    const v = await login(t.url, 'Chatty')
    const c = await joinedClient(t, v.token, 'rl')
    for (let i = 0; i < 3; i++) {
      expect(await c.request({ type: 'send', room: 'rl', cid: cid(), kind: 'text', body: { text: `${i}` } })).toMatchObject({ type: 'ack' })
    }
    expect(await c.request({ type: 'send', room: 'rl', cid: cid(), kind: 'text', body: { text: 'too many' } })).toMatchObject({
      type: 'error',
      code: 'rate_limited',
    })
    expectError(await http(t.url, 'POST', '/api/rooms/rl/messages', { cid: cid(), kind: 'like', body: {} }, v.token), 'rate_limited')
    const h = await c.request({ type: 'history', room: 'rl' })
    expect(h.messages).toHaveLength(3)
    c.close()
  })

  it('logins past the limit get 429 rate_limited', async () => {
    const replies = []
    for (let i = 0; i < 6; i++) replies.push(await http(t.url, 'POST', '/api/login', { name: `n${i}` }))
    const limited = replies.filter((r) => r.status !== 200)
    expect(limited.length).toBeGreaterThan(0)
    for (const r of limited) expectError(r, 'rate_limited')
  })
})
