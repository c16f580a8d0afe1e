// §2 "without it 401 unauthorized", §3.1 "A bad or expired token closes with 4001", §1
// JWT_SECRET. Expiry is reached by moving the server's clock (it runs in this process), not
// by waiting.
import { rmSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectError, http, login, startRoomy, TestClient, type TestServer } from './support'

let s: TestServer
beforeAll(async () => {
  s = await startRoomy({ TOKEN_TTL_SECONDS: '3600' })
})
afterEach(() => {
  vi.useRealTimers()
})
afterAll(async () => {
  await s?.close()
})

describe('expired tokens', () => {
  it('an expired token gets HTTP 401 unauthorized and socket close 4001', async () => {
    const u = await login(s.url, 'Expiring')
    expect((await http(s.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    vi.setSystemTime(Date.now() + 3600_000 + 60_000)
    expectError(await http(s.url, 'GET', '/api/me', undefined, u.token), 'unauthorized')
    expectError(await http(s.url, 'GET', '/api/rooms', undefined, u.token), 'unauthorized')
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: u.token })
    expect(await c.waitClose()).toBe(4001)
  })

  it('a token is good until it expires', async () => {
    const u = await login(s.url, 'Fresh')
    vi.setSystemTime(Date.now() + 3600_000 - 60_000)
    expect((await http(s.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    const c = await TestClient.connect(s.wsUrl, u.token)
    c.close()
  })

  it('◆ POST /api/token/refresh trades a valid token for a fresh one of the same user', async () => {
    const u = await login(s.url, 'Refresher')
    const start = Date.now()
    vi.setSystemTime(start + 3000_000)
    const r = await http(s.url, 'POST', '/api/token/refresh', undefined, u.token)
    expect(r).toMatchObject({ status: 200, body: { token: expect.any(String), user: u.user } })
    vi.setSystemTime(start + 3600_000 + 60_000) // the old token has expired, the new one has not
    expectError(await http(s.url, 'GET', '/api/me', undefined, u.token), 'unauthorized')
    expect(await http(s.url, 'GET', '/api/me', undefined, r.body.token)).toMatchObject({ status: 200, body: u.user })
    expectError(await http(s.url, 'POST', '/api/token/refresh', undefined, u.token), 'unauthorized')
  })
})

describe('JWT_SECRET', () => {
  it('a token signed by another deployment (another secret) is refused: 401 and 4001', async () => {
    const other = await startRoomy()
    try {
      const foreign = await login(other.url, 'Foreigner')
      expectError(await http(s.url, 'GET', '/api/me', undefined, foreign.token), 'unauthorized')
      const c = await TestClient.open(s.wsUrl)
      c.send({ type: 'hello', token: foreign.token })
      expect(await c.waitClose()).toBe(4001)
    } finally {
      await other.close()
    }
  })

  it('a configured JWT_SECRET is what signs: same secret after a restart → tokens still good; another secret → 401', async () => {
    const a = await startRoomy({ JWT_SECRET: 'shared-secret-0123456789abcdef' })
    const dir = a.dataDir
    const u = await login(a.url, 'Shared')
    await a.close({ keepData: true })
    try {
      const b = await startRoomy({ JWT_SECRET: 'shared-secret-0123456789abcdef' }, dir)
      expect((await http(b.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
      await b.close()
      const c = await startRoomy({ JWT_SECRET: 'another-secret-0123456789abcdef' }, dir)
      expectError(await http(c.url, 'GET', '/api/me', undefined, u.token), 'unauthorized')
      await c.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
