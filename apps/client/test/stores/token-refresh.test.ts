// The token is traded for a fresh one half-way through its life — on start when that has
// passed, and by timer while the app runs — so it never expires under a guest (who could
// not log back in as the same user). Fake clock throughout.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpRequest } from '../../src/engine/types'
import { refreshAt, RETRY_MS } from '../../src/engine/token-refresh'
import { advance, alice, bootStores } from '../support/store-setup'

const DAY = 86_400_000
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
/** A JWT-shaped token issued at `iat` (ms) living `ttl` ms. */
const jwt = (iat: number, ttl: number, tag = 'x') =>
  `h.${b64({ sub: alice.id, iat: Math.floor(iat / 1000), exp: Math.floor((iat + ttl) / 1000), tag })}.s`

function refreshingServer(ttl: number) {
  const calls: HttpRequest[] = []
  let fail = false
  const http = async (req: HttpRequest) => {
    if (!req.url.endsWith('/api/token/refresh')) return { status: 200, data: req.url.endsWith('/api/me') ? alice : [] }
    calls.push(req)
    if (fail) throw new Error('offline')
    return { status: 200, data: { token: jwt(Date.now(), ttl, `fresh-${calls.length}`), user: alice } }
  }
  return { calls, http, offline: (v: boolean) => void (fail = v) }
}

describe('token refresh', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-11-01T08:00:00Z') }))
  afterEach(() => vi.useRealTimers())

  it('refreshAt is half-way through the life; without iat a day before expiry', () => {
    const t0 = Date.parse('2026-11-01T00:00:00Z')
    expect(refreshAt(jwt(t0, 30 * DAY))).toBe(t0 + 15 * DAY)
    expect(refreshAt(`h.${b64({ exp: (t0 + 10 * DAY) / 1000 })}.s`)).toBe(t0 + 9 * DAY)
    expect(refreshAt('opaque-token')).toBeNull()
  })

  it('a young token is left alone on start, then refreshed by timer after half its life, before expiry', async () => {
    const ttl = 30 * DAY
    const srv = refreshingServer(ttl)
    const first = jwt(Date.now(), ttl)
    const env = bootStores({ token: first, http: srv.http })
    await advance(1000)
    expect(srv.calls).toHaveLength(0)
    await advance(15 * DAY - 2 * 60_000)
    expect(srv.calls).toHaveLength(0) // not before half its life
    await advance(3 * 60_000)
    expect(srv.calls).toHaveLength(1)
    expect(srv.calls[0]).toMatchObject({ method: 'POST', token: first })
    // The fresh token is in use and saved (the app reopens with it), and expiry never came.
    expect(env.session.token).toContain(b64({ sub: alice.id }).slice(0, 10))
    expect(env.session.token).not.toBe(first)
    expect(JSON.parse(env.deps.storage.get('chat.session')!).token).toBe(env.session.token)
    expect(Date.now()).toBeLessThan(refreshAt(first)! + 15 * DAY)
    // And the next one half-way through the new token's life.
    await advance(15 * DAY + 60_000)
    expect(srv.calls).toHaveLength(2)
    expect(srv.calls[1].token).not.toBe(first)
  })

  it('on start, a token past half its life is refreshed at once', async () => {
    const ttl = 30 * DAY
    const srv = refreshingServer(ttl)
    const old = jwt(Date.now() - 20 * DAY, ttl)
    const env = bootStores({ token: old, http: srv.http })
    await advance(10)
    expect(srv.calls).toHaveLength(1)
    expect(env.session.token).not.toBe(old)
  })

  it('offline: retried a minute later, not in a loop', async () => {
    const ttl = 30 * DAY
    const srv = refreshingServer(ttl)
    srv.offline(true)
    const old = jwt(Date.now() - 20 * DAY, ttl)
    const env = bootStores({ token: old, http: srv.http })
    await advance(RETRY_MS - 1000)
    expect(srv.calls).toHaveLength(1)
    expect(env.session.token).toBe(old) // kept: it still works
    srv.offline(false)
    await advance(2000)
    expect(srv.calls).toHaveLength(2)
    expect(env.session.token).not.toBe(old)
  })

  it('after logout no refresh runs', async () => {
    const ttl = 30 * DAY
    const srv = refreshingServer(ttl)
    const env = bootStores({ token: jwt(Date.now(), ttl), http: srv.http })
    await advance(10)
    env.chat.logout()
    await advance(20 * DAY)
    expect(srv.calls).toHaveLength(0)
  })
})
