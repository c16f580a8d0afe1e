// §2 POST /api/admin/bans with ADMIN_TOKEN: open sockets close 4003, the user's tokens stop
// working (HTTP 403 forbidden, socket 4003) until DELETE /api/admin/bans/:userId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, expectError, http, joinedClient, login, startRoomy, TestClient, type Login, type TestServer } from './support'

const ADMIN_TOKEN = 'contract-admin-token-0123456789'
let s: TestServer
beforeAll(async () => {
  s = await startRoomy({ ADMIN_TOKEN })
})
afterAll(async () => {
  await s?.close()
})

const ban = (userId: unknown, token = ADMIN_TOKEN) => http(s.url, 'POST', '/api/admin/bans', { userId }, token)
const unban = (userId: string, token = ADMIN_TOKEN) => http(s.url, 'DELETE', `/api/admin/bans/${userId}`, undefined, token)

describe('a ban', () => {
  let bad: Login, good: Login
  let b1: TestClient, b2: TestClient, g: TestClient
  beforeAll(async () => {
    bad = await login(s.url, 'Spammer')
    good = await login(s.url, 'Bystander')
    b1 = await joinedClient(s, bad.token, 'ban-room')
    b2 = await joinedClient(s, bad.token) // a second socket, in no room
    g = await joinedClient(s, good.token, 'ban-room')
  })
  afterAll(() => g.close())

  it("answers 204 and closes every open socket of the user with 4003, and no one else's", async () => {
    const r = await ban(bad.user.id)
    expect(r.status).toBe(204)
    expect(await b1.waitClose()).toBe(4003)
    expect(await b2.waitClose()).toBe(4003)
    expect(await g.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  })

  it("makes the user's token fail over HTTP with 403 forbidden", async () => {
    expectError(await http(s.url, 'GET', '/api/me', undefined, bad.token), 'forbidden')
    expectError(await http(s.url, 'GET', '/api/rooms', undefined, bad.token), 'forbidden')
    expectError(
      await http(s.url, 'POST', '/api/rooms/ban-room/messages', { cid: cid(), kind: 'text', body: { text: 'x' } }, bad.token),
      'forbidden',
    )
    expectError(await http(s.url, 'POST', '/api/rooms', { id: 'ban-new', title: 't' }, bad.token), 'forbidden')
  })

  it('closes a new socket with 4003 at hello', async () => {
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: bad.token })
    expect(await c.waitClose()).toBe(4003)
    expect(c.frames.some((f) => f.type === 'welcome')).toBe(false)
  })

  it('DELETE lifts it (204): the same token works again over HTTP and the socket', async () => {
    expect((await unban(bad.user.id)).status).toBe(204)
    expect(await http(s.url, 'GET', '/api/me', undefined, bad.token)).toMatchObject({ status: 200, body: bad.user })
    const c = await TestClient.connect(s.wsUrl, bad.token)
    expect(await c.request({ type: 'join', room: 'ban-room' })).toMatchObject({ type: 'joined' })
    c.close()
  })

  it('a ban is of the user id: a new guest login (a new user) is not affected', async () => {
    expect((await ban(bad.user.id)).status).toBe(204)
    const fresh = await login(s.url, 'Spammer')
    expect((await http(s.url, 'GET', '/api/me', undefined, fresh.token)).status).toBe(200)
    expectError(await http(s.url, 'GET', '/api/me', undefined, bad.token), 'forbidden')
    expect((await unban(bad.user.id)).status).toBe(204)
  })
})

describe('the admin API itself', () => {
  it('◆ refuses a missing or wrong token with 401 unauthorized, a user token with 403 forbidden, and bans nobody', async () => {
    const u = await login(s.url, 'Target')
    const c = await joinedClient(s, u.token)
    expectError(await http(s.url, 'POST', '/api/admin/bans', { userId: u.user.id }), 'unauthorized')
    expectError(await ban(u.user.id, 'wrong-token'), 'unauthorized')
    expectError(await ban(u.user.id, u.token), 'forbidden')
    expectError(await unban(u.user.id, u.token), 'forbidden')
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    expect((await http(s.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    c.close()
  })

  it('refuses a missing or malformed userId with 400', async () => {
    expectError(await http(s.url, 'POST', '/api/admin/bans', {}, ADMIN_TOKEN), 'bad_request')
    expectError(await ban(42), 'bad_request')
  })

  it('◆ answers 404 for an unknown user', async () => {
    expectError(await ban('u_doesnotexist000'), 'not_found')
    expectError(await unban('u_doesnotexist000'), 'not_found')
  })
})

describe('without ADMIN_TOKEN', () => {
  it('◆ there is no admin API: 404 not_found, even with a bearer token', async () => {
    const plain = await startRoomy()
    try {
      const u = await login(plain.url, 'Someone')
      expectError(await http(plain.url, 'POST', '/api/admin/bans', { userId: u.user.id }, 'anything'), 'not_found')
      expectError(await http(plain.url, 'DELETE', `/api/admin/bans/${u.user.id}`, undefined, 'anything'), 'not_found')
      expect((await http(plain.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    } finally {
      await plain.close()
    }
  })
})
