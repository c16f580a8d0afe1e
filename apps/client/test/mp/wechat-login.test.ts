// WeChat login in the compiled mini-program with WeChat's own profile pickers: `wx.login`
// gives a code, the server trades it with (a stand-in for) api.weixin.qq.com, and the avatar
// the user picked with `<button open-type="chooseAvatar">` — a temporary file on the phone —
// is uploaded and becomes the profile's picture, on this device and for everyone else.
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mpE2eDir } from '../support/builds'
import { RELAXED_LIMITS } from '../support/cluster'
import { launchMiniProgram, type MiniProgram } from '../support/mp-runtime'
import { png } from '../support/png'
import { startServer, until, type RunningServer } from '../support/real-server'

describe('mini-program: WeChat login with the avatar picker', { timeout: 60_000 }, () => {
  let wechat: Server
  const codes: string[] = []
  let server: RunningServer
  let mp: MiniProgram | undefined

  beforeAll(async () => {
    // code2Session only: `code-<x>` → `openid-<x>`, every code it is given recorded.
    wechat = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://wechat')
      res.setHeader('content-type', 'application/json')
      if (url.pathname !== '/sns/jscode2session') return res.end(JSON.stringify({ errcode: 404, errmsg: 'unknown api' }))
      const code = url.searchParams.get('js_code') ?? ''
      codes.push(code)
      res.end(JSON.stringify({ openid: code.replace(/^code-/, 'openid-'), session_key: 'k' }))
    })
    await new Promise<void>((r) => wechat.listen(0, '127.0.0.1', () => r()))
    server = await startServer({
      ...RELAXED_LIMITS,
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_SECRET: 'test-secret',
      WECHAT_API_BASE: `http://127.0.0.1:${(wechat.address() as AddressInfo).port}`,
    })
  }, 120_000)

  /** What the user does on the login page: a name, then 登录; done on the rooms page. */
  async function logIn(name: string): Promise<void> {
    mp!.type('login-name', name)
    await new Promise((r) => setTimeout(r, 50))
    mp!.tap('login-submit')
    await until(() => mp!.route() === 'pages/rooms/rooms', 'on the rooms page', 10_000)
  }

  afterAll(async () => {
    mp?.close()
    await server?.stop()
    await new Promise((r) => wechat?.close(r))
  })

  it('logs in through WeChat, uploads the picked avatar and makes it the profile picture', async () => {
    const file = join(tmpdir(), `chat-mp-avatar-${process.pid}.png`)
    writeFileSync(file, png(96, 96))
    mp = launchMiniProgram(mpE2eDir, { server: server.base, wechatCode: 'code-mp1' })
    await until(() => mp!.find('login-wechat-avatar'), 'the WeChat avatar picker on the login page')
    mp.chooseAvatar('login-wechat-avatar', file)
    await logIn('微信同学')
    // The first login and the one that sets the uploaded avatar both went through WeChat.
    expect(codes).toEqual(['code-mp1', 'code-mp1'])
    expect(mp.requests.filter((r) => r.includes('/api/login/wechat'))).toHaveLength(2)
    const saved = JSON.parse(String(mp.storage.get('chat.session'))) as {
      token: string
      user: { id: string; name: string; avatar: string }
    }
    expect(saved.user.name).toBe('微信同学')
    expect(saved.user.avatar).toMatch(/^\/uploads\/[A-Za-z0-9_-]+\.png$/)
    // The server keeps it (another device, another user sees the same picture) and serves the file.
    const me = await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${saved.token}` } }).then((r) => r.json())
    expect(me).toEqual(saved.user)
    const img = await fetch(server.base + saved.user.avatar)
    expect(img.status).toBe(200)
    expect(img.headers.get('content-type')).toBe('image/png')
    // The same WeChat user on a fresh install (nothing saved) logs in as the same user, and
    // keeps the picture: the face the login page shows was not picked.
    mp.close()
    mp = launchMiniProgram(mpE2eDir, { server: server.base, wechatCode: 'code-mp1' })
    await until(() => mp!.find('login-submit'), 'the login page again')
    await logIn('微信同学')
    expect(JSON.parse(String(mp.storage.get('chat.session'))).user).toEqual(saved.user)
  })

  it('a new WeChat user who picks nothing gets the face the login page showed; a returning one who taps a face gets that one', async () => {
    mp?.close()
    mp = launchMiniProgram(mpE2eDir, { server: server.base, wechatCode: 'code-mp2' })
    await until(() => mp!.find('login-submit'), 'the login page')
    await logIn('新同学')
    const first = JSON.parse(String(mp.storage.get('chat.session'))).user
    expect(first.avatar).toMatch(/^\/static\/avatars\/[1-8]\.svg$/)
    mp.close()
    mp = launchMiniProgram(mpE2eDir, { server: server.base, wechatCode: 'code-mp2' })
    await until(() => mp!.findAll('login-avatar').length === 8, 'the faces')
    // The faces are /static/avatars/1.svg … 8.svg in order: tap the one after the first login's.
    const n = Number(/(\d)\.svg$/.exec(first.avatar)![1])
    mp.tap(mp.findAll('login-avatar')[n % 8])
    await logIn('新同学')
    const again = JSON.parse(String(mp.storage.get('chat.session'))).user
    expect(again.id).toBe(first.id)
    expect(again.avatar).toBe(`/static/avatars/${(n % 8) + 1}.svg`)
  })
})
