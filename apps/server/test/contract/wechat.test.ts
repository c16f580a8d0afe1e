// §2 POST /api/login/wechat {"code","name"?,"avatar"?}: the server exchanges `code` for an
// openid (code2Session at WECHAT_API_BASE) and keeps one user per openid. §1 WECHAT_* settings.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError, http, startRoomy, TestClient, type TestServer } from './support'

const APPID = 'wx-contract-appid'
const SECRET = 'contract-wechat-secret'
const ADMIN_TOKEN = 'wechat-admin-token-0123456789'

/** A stand-in for api.weixin.qq.com's code2Session. */
let fake: Server
let fakeBase: string
const calls: URL[] = []
const openids: Record<string, string> = {
  'code-a1': 'openid-A',
  'code-a2': 'openid-A',
  'code-a3': 'openid-A',
  'code-a4': 'openid-A',
  'code-b': 'openid-B',
  'code-c': 'openid-C',
  'code-ban1': 'openid-ban',
  'code-ban2': 'openid-ban',
}

let s: TestServer
beforeAll(async () => {
  fake = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    calls.push(url)
    res.setHeader('content-type', 'application/json')
    if (url.pathname !== '/sns/jscode2session') return res.end(JSON.stringify({ errcode: 404, errmsg: 'unknown api' }))
    const code = url.searchParams.get('js_code') ?? ''
    if (url.searchParams.get('appid') !== APPID || url.searchParams.get('secret') !== SECRET)
      return res.end(JSON.stringify({ errcode: 40125, errmsg: 'invalid appsecret' }))
    const openid = openids[code]
    if (!openid) return res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }))
    res.end(JSON.stringify({ openid, session_key: 'SESSION-KEY-MUST-NOT-LEAK' }))
  })
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()))
  fakeBase = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`
  s = await startRoomy({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET, WECHAT_API_BASE: fakeBase, ADMIN_TOKEN })
})
afterAll(async () => {
  await s?.close()
  await new Promise((r) => fake?.close(r))
})

const wx = (body: unknown) => http(s.url, 'POST', '/api/login/wechat', body)

describe('WeChat login', () => {
  it('answers 200 {token, user} after code2Session with the app credentials and the code', async () => {
    const r = await wx({ code: 'code-c', name: 'Carol' })
    expect(r).toMatchObject({ status: 200, body: { token: expect.any(String), user: { id: expect.stringMatching(/^u_/), name: 'Carol' } } })
    expect(Object.keys(r.body.user).sort()).toEqual(['avatar', 'id', 'name'])
    expect(JSON.stringify(r.body)).not.toContain('SESSION-KEY')
    const call = calls.find((u) => u.searchParams.get('js_code') === 'code-c')!
    expect(call.pathname).toBe('/sns/jscode2session')
    expect(Object.fromEntries(call.searchParams)).toMatchObject({
      appid: APPID,
      secret: SECRET,
      js_code: 'code-c',
      grant_type: 'authorization_code',
    })
    // The token works over HTTP and the socket.
    expect(await http(s.url, 'GET', '/api/me', undefined, r.body.token)).toMatchObject({ status: 200, body: r.body.user })
    const c = await TestClient.connect(s.wsUrl, r.body.token)
    c.close()
  })

  it('keeps one user per openid: the same WeChat user always gets the same id, another one a different id', async () => {
    const first = await wx({ code: 'code-a1', name: 'Alice' })
    const again = await wx({ code: 'code-a2' })
    const other = await wx({ code: 'code-b', name: 'Bob' })
    expect(first.status).toBe(200)
    expect(again.body.user.id).toBe(first.body.user.id)
    expect(other.body.user.id).not.toBe(first.body.user.id)
    // ◆ without a name, the existing user keeps theirs.
    expect(again.body.user.name).toBe('Alice')
  })

  it('◆ a given name or avatar replaces the stored one; a brand-new user without a name is 微信用户', async () => {
    const renamed = await wx({ code: 'code-a3', name: '  Alice W  ', avatar: '/static/avatars/3.svg' })
    expect(renamed.body.user).toMatchObject({ name: 'Alice W', avatar: '/static/avatars/3.svg' })
    expect((await wx({ code: 'code-a4' })).body.user).toMatchObject({ name: 'Alice W', avatar: '/static/avatars/3.svg' })
    openids['code-new'] = 'openid-new'
    expect((await wx({ code: 'code-new' })).body.user.name).toBe('微信用户')
  })

  it.each([
    ['no code', {}],
    ['an empty code', { code: '' }],
    ['a code that is not a string', { code: 42 }],
    ['a code over 256 characters', { code: 'c'.repeat(257) }],
    ['a blank name', { code: 'code-b', name: '   ' }],
    ['a bad avatar', { code: 'code-b', avatar: 'javascript:alert(1)' }],
    ['an absolute avatar url (v1.1 §H)', { code: 'code-b', avatar: 'https://example.com/a.png' }],
    ['a /static/ avatar with .. (v1.1 §H)', { code: 'code-b', avatar: '/static/../uploads/x.png' }],
  ])('refuses %s with 400 bad_request', async (_what, body) => {
    expectError(await wx(body), 'bad_request')
  })

  it('◆ a code WeChat rejects is 401 unauthorized', async () => {
    expectError(await wx({ code: 'not-a-valid-code' }), 'unauthorized')
  })

  it('a banned WeChat user is refused with 403 forbidden until the ban is lifted', async () => {
    const u = await wx({ code: 'code-ban1', name: 'Troll' })
    expect((await http(s.url, 'POST', '/api/admin/bans', { userId: u.body.user.id }, ADMIN_TOKEN)).status).toBe(204)
    expectError(await wx({ code: 'code-ban2' }), 'forbidden')
    expect((await http(s.url, 'DELETE', `/api/admin/bans/${u.body.user.id}`, undefined, ADMIN_TOKEN)).status).toBe(204)
    expect((await wx({ code: 'code-ban2' })).body.user.id).toBe(u.body.user.id)
  })

  it('◆ WeChat not answering is 503 unavailable', async () => {
    const down = await startRoomy({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET, WECHAT_API_BASE: 'http://127.0.0.1:1' })
    try {
      expectError(await http(down.url, 'POST', '/api/login/wechat', { code: 'code-a1' }), 'unavailable')
    } finally {
      await down.close()
    }
  })

  it('guest login still works next to WeChat login', async () => {
    expect((await http(s.url, 'POST', '/api/login', { name: 'Guest' })).status).toBe(200)
  })
})
