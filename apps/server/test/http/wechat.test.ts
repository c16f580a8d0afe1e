import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

/** A local stand-in for api.weixin.qq.com's code2Session. */
let fake: Server
const calls: URL[] = []
const answers: Record<string, object> = {
  good: { openid: 'o_alice', session_key: 'SECRET_SESSION_KEY' },
  good2: { openid: 'o_alice', session_key: 'SECRET_SESSION_KEY' },
  other: { openid: 'o_bob', session_key: 'k2' },
  bad: { errcode: 40029, errmsg: 'invalid code' },
  limited: { errcode: 45011, errmsg: 'api minute-quota reach limit' },
  busy: { errcode: -1, errmsg: 'system error' },
  risky: { errcode: 40226, errmsg: 'high risk user' },
}
let s: TestServer
let tokenCalls = 0
const secChecks: Array<Record<string, unknown>> = []

beforeAll(async () => {
  fake = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x')
    calls.push(u)
    res.setHeader('content-type', 'application/json')
    if (u.pathname === '/cgi-bin/stable_token') {
      tokenCalls++
      return res.end(JSON.stringify({ access_token: 'ACCESS', expires_in: 7200 }))
    }
    if (u.pathname === '/wxa/msg_sec_check') {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        const { content, openid, version } = JSON.parse(body)
        secChecks.push({ content, openid, version, token: u.searchParams.get('access_token') })
        if (content.includes('宕机')) return res.end(JSON.stringify({ errcode: -1 }))
        res.end(JSON.stringify({ errcode: 0, result: { suggest: content.includes('违规') ? 'risky' : 'pass' } }))
      })
      return
    }
    res.end(JSON.stringify(answers[u.searchParams.get('js_code') ?? ''] ?? { errcode: 40029 }))
  })
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
  const port = (fake.address() as AddressInfo).port
  s = await startServer({
    WECHAT_APPID: 'wxapp123',
    WECHAT_SECRET: 'appsecret',
    WECHAT_API_BASE: `http://127.0.0.1:${port}`,
    WECHAT_MSG_SEC_CHECK: 'fail-closed',
  })
})
afterAll(async () => {
  await s.close()
  fake.close()
})

describe('POST /api/login/wechat', () => {
  it('exchanges the code through code2Session and keeps one user per openid', async () => {
    const first = await http(s.url, 'POST', '/api/login/wechat', { code: 'good', name: '微信小明' })
    expect(first.status).toBe(200)
    expect(first.body.user).toMatchObject({ name: '微信小明' })
    expect(JSON.stringify(first.body)).not.toContain('SECRET_SESSION_KEY')
    const call = calls.at(-1)!
    expect(call.pathname).toBe('/sns/jscode2session')
    expect(Object.fromEntries(call.searchParams)).toEqual({
      appid: 'wxapp123',
      secret: 'appsecret',
      js_code: 'good',
      grant_type: 'authorization_code',
    })
    const second = await http(s.url, 'POST', '/api/login/wechat', { code: 'good2' })
    expect(second.body.user.id).toBe(first.body.user.id)
    const bob = await http(s.url, 'POST', '/api/login/wechat', { code: 'other' })
    expect(bob.body.user.id).not.toBe(first.body.user.id)
    expect((await http(s.url, 'GET', '/api/me', undefined, second.body.token)).body.id).toBe(first.body.user.id)
  })

  it.each([
    ['bad', 401, 'unauthorized'],
    ['limited', 429, 'rate_limited'],
    ['busy', 503, 'unavailable'],
    ['risky', 403, 'forbidden'],
  ])('maps WeChat error for code %s to %i %s', async (code, status, error) => {
    const r = await http(s.url, 'POST', '/api/login/wechat', { code })
    expect(r).toMatchObject({ status, body: { error } })
  })

  it('refuses a missing code with 400', async () => {
    expect(await http(s.url, 'POST', '/api/login/wechat', {})).toMatchObject({ status: 400, body: { error: 'bad_request' } })
  })
})

describe('msgSecCheck (fail-closed)', () => {
  it("checks WeChat users' texts with their openid and one cached stable token", async () => {
    const r = await http(s.url, 'POST', '/api/login/wechat', { code: 'other' })
    const c = await TestClient.connect(s.wsUrl, r.body.token)
    await c.request({ type: 'join', room: 'safe' })
    expect(await c.request({ type: 'send', room: 'safe', cid: cid(), kind: 'text', body: { text: '你好' } })).toMatchObject({ type: 'ack' })
    expect(await c.request({ type: 'send', room: 'safe', cid: cid(), kind: 'text', body: { text: '违规内容' } })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    })
    expect(await c.request({ type: 'send', room: 'safe', cid: cid(), kind: 'question', body: { text: '宕机了' } })).toMatchObject({
      type: 'error',
      code: 'unavailable',
    })
    expect(secChecks.at(0)).toMatchObject({ content: '你好', openid: 'o_bob', version: 2, token: 'ACCESS' })
    expect(tokenCalls).toBe(1)
    const h = await c.request({ type: 'history', room: 'safe', after: 0 })
    expect(h.messages.map((m: any) => m.body.text)).toEqual(['你好'])
    c.close()
  })

  it('does not check guests (no openid to check with)', async () => {
    const before = secChecks.length
    const g = await login(s.url, 'Guest')
    const c = await TestClient.connect(s.wsUrl, g.token)
    await c.request({ type: 'join', room: 'safe' })
    expect(await c.request({ type: 'send', room: 'safe', cid: cid(), kind: 'text', body: { text: 'hi' } })).toMatchObject({ type: 'ack' })
    expect(secChecks.length).toBe(before)
    c.close()
  })
})
