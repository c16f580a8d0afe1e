// ◆ Addition: POST /api/token/refresh (the client trades its token half-way through its life;
// a guest cannot log back in as the same user). Valid → 200 {token, user} with a fresh token
// of the normal lifetime; banned → 403 forbidden; missing, bad or expired → 401.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectError, http, login, startRoomy, type TestServer } from './support'

const ADMIN_TOKEN = 'refresh-admin-token-0123456789'
const TTL = 7200
let s: TestServer
beforeAll(async () => {
  s = await startRoomy({ TOKEN_TTL_SECONDS: String(TTL), ADMIN_TOKEN })
})
afterEach(() => {
  vi.useRealTimers()
})
afterAll(async () => {
  await s?.close()
})

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; iat: number; exp: number }

describe('POST /api/token/refresh', () => {
  it('gives the same user a fresh token with the normal lifetime, counted from now', async () => {
    const u = await login(s.url, 'Renewer')
    const start = Date.now()
    vi.setSystemTime(start + (TTL / 2) * 1000 + 5_000)
    const r = await http(s.url, 'POST', '/api/token/refresh', undefined, u.token)
    expect(r).toMatchObject({ status: 200, body: { token: expect.any(String), user: u.user } })
    const fresh = claims(r.body.token)
    expect(fresh.sub).toBe(u.user.id)
    expect(fresh.exp - fresh.iat).toBe(TTL)
    expect(fresh.exp).toBeGreaterThan(claims(u.token).exp)
    // Past the old token's end, the fresh one still works: the same identity goes on.
    vi.setSystemTime(start + TTL * 1000 + 60_000)
    expect(await http(s.url, 'GET', '/api/me', undefined, r.body.token)).toMatchObject({ status: 200, body: u.user })
  })

  it('refuses a banned user with 403 forbidden', async () => {
    const u = await login(s.url, 'Banned')
    expect((await http(s.url, 'POST', '/api/admin/bans', { userId: u.user.id }, ADMIN_TOKEN)).status).toBe(204)
    expectError(await http(s.url, 'POST', '/api/token/refresh', undefined, u.token), 'forbidden')
  })

  it('refuses a missing, bad or expired token with 401 unauthorized', async () => {
    expectError(await http(s.url, 'POST', '/api/token/refresh'), 'unauthorized')
    expectError(await http(s.url, 'POST', '/api/token/refresh', undefined, 'not.a.token'), 'unauthorized')
    const u = await login(s.url, 'Late')
    vi.setSystemTime(Date.now() + TTL * 1000 + 60_000)
    expectError(await http(s.url, 'POST', '/api/token/refresh', undefined, u.token), 'unauthorized')
  })
})
