import { readFileSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signToken } from '../../src/lib/jwt'
import { cid, http, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
beforeAll(async () => {
  s = await startServer({
    MAX_CONNS_PER_USER: '2',
    MAX_CONNS_PER_IP: '6',
    MAX_ROOMS_PER_CONN: '2',
    SEND_RATE_LIMIT: '5',
    SEND_RATE_WINDOW_MS: '60000',
    FRAME_RATE_LIMIT: '20',
    LOGIN_RATE_LIMIT: '8',
    ALLOWED_ORIGINS: 'https://chat.example.com',
  })
})
afterAll(async () => {
  await s.close()
})

describe('abuse limits', () => {
  it('closes a third socket of one user with 4008', async () => {
    const u = await login(s.url, 'Many')
    const a = await TestClient.connect(s.wsUrl, u.token)
    const b = await TestClient.connect(s.wsUrl, u.token)
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: u.token })
    expect(await c.waitClose()).toBe(4008)
    a.close()
    await a.waitClose()
    await expect.poll(() => s.app.hub.userConnections(u.user.id)).toBe(1)
    const d = await TestClient.connect(s.wsUrl, u.token)
    d.close()
    b.close()
  })

  it('closes sockets past the per-address cap with 4008', async () => {
    const open: TestClient[] = []
    await expect.poll(() => s.app.hub.conns.size).toBe(0)
    for (let i = 0; i < 6; i++) open.push(await TestClient.open(s.wsUrl))
    const extra = await TestClient.open(s.wsUrl)
    expect(await extra.waitClose()).toBe(4008)
    open.forEach((c) => c.close())
  })

  it('limits rooms per connection, sends per user and frames per second', async () => {
    const u = await login(s.url, 'Busy')
    const c = await TestClient.connect(s.wsUrl, u.token)
    await c.request({ type: 'join', room: 'r1' })
    await c.request({ type: 'join', room: 'r2' })
    expect(await c.request({ type: 'join', room: 'r3' })).toMatchObject({ type: 'error', code: 'rate_limited' })
    const acks = []
    for (let i = 0; i < 5; i++) acks.push(await c.request({ type: 'send', room: 'r1', cid: cid(), kind: 'like', body: {} }))
    expect(acks.every((a) => a.type === 'ack')).toBe(true)
    expect(await c.request({ type: 'send', room: 'r1', cid: cid(), kind: 'like', body: {} })).toMatchObject({
      type: 'error',
      code: 'rate_limited',
    })
    // A retry of a stored message is still answered with its ack.
    expect(await c.request({ type: 'send', room: 'r1', cid: acks[0].cid, kind: 'like', body: {} })).toMatchObject({
      type: 'ack',
      seq: acks[0].seq,
    })
    await new Promise((r) => setTimeout(r, 1100))
    for (let i = 0; i < 30; i++) c.send({ type: 'ping', id: `p${i}` })
    await c.waitFor((f) => f.id === 'p29')
    const limited = c.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith('p') && f.type === 'error')
    expect(limited.length).toBeGreaterThan(0)
    expect(limited[0].code).toBe('rate_limited')
    c.close()
  })

  it('limits logins per address', async () => {
    let last = 200
    for (let i = 0; i < 12 && last === 200; i++) last = (await http(s.url, 'POST', '/api/login', { name: `n${i}` })).status
    expect(last).toBe(429)
  })
})

describe('origins and tokens', () => {
  it('refuses browser upgrades from origins not allowed, accepts listed ones and none', async () => {
    const refused = new WebSocket(s.wsUrl, { origin: 'https://evil.example.com' })
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))
    expect(status).toBe(403)
    const ok = new WebSocket(s.wsUrl, { origin: 'https://chat.example.com' })
    await new Promise((r, j) => {
      ok.on('open', r)
      ok.on('error', j)
    })
    ok.close()
  })
})

describe('tokens', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('refuses expired and unknown-user tokens, and refreshes valid ones', async () => {
    const secret = readFileSync(path.join(t.dataDir, 'jwt-secret'), 'utf8').trim()
    expect((await http(t.url, 'POST', '/api/token/refresh')).status).toBe(401)
    expect((await http(t.url, 'GET', '/api/me', undefined, signToken(secret, 'u_nobody', 60))).status).toBe(401)
    const real = await login(t.url, 'Refresh')
    const expired = signToken(secret, real.user.id, 60, Date.now() - 120_000)
    expect((await http(t.url, 'GET', '/api/me', undefined, expired)).status).toBe(401)
    const c = await TestClient.open(t.wsUrl)
    c.send({ type: 'hello', token: expired })
    expect(await c.waitClose()).toBe(4001)
    const fresh = await http(t.url, 'POST', '/api/token/refresh', undefined, real.token)
    expect(fresh.status).toBe(200)
    expect((await http(t.url, 'GET', '/api/me', undefined, fresh.body.token)).body.id).toBe(real.user.id)
  })
})
