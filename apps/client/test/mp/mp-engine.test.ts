// The compiled mini-program (dist/build/mp-weixin) in Node, against the real server: the
// mp build's own engine, stores and platform adapters (wx.request, the SocketTask,
// storage) log in, join, and chat with a user of another client.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mpDir } from '../support/builds'
import { installFakeWx, type FakeWx } from '../support/fake-wx'
import { createClient, serverMain, startServer, until, type Client, type RunningServer } from '../support/real-server'

type Store = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('mp-weixin build against the real server', { timeout: 30_000 }, () => {
  let server: RunningServer
  let wx: FakeWx
  let bob: Client
  let mp: { chat: Store; session: Store; messages: Store; conn: Store; rooms: Store }

  beforeAll(async () => {
    expect(existsSync(join(mpDir, 'app.js'))).toBe(true)
    expect(existsSync(serverMain)).toBe(true) // built by the globalSetup
    server = await startServer()
    bob = await createClient(server.base, 'Bob')
    wx = installFakeWx()
    // The build was made without VITE_SERVER_URL (so it targets 127.0.0.1:3000): point the
    // compiled platform deps at this test's server before app.js creates the stores.
    const req = createRequire(join(mpDir, 'app.js'))
    const platform = req('./platform/index.js')
    const original = platform.createPlatformDeps
    platform.createPlatformDeps = () => ({ ...original(), serverUrl: server.base })
    req('./app.js')
    const store = (path: string, name: string) => req(path)[name]()
    mp = {
      chat: store('./stores/chat.js', 'useChatStore'),
      session: store('./stores/session.js', 'useSessionStore'),
      messages: store('./stores/messages.js', 'useMessagesStore'),
      conn: store('./stores/connection.js', 'useConnectionStore'),
      rooms: store('./stores/rooms.js', 'useRoomsStore'),
    }
    wx.app?.onLaunch?.call(wx.app, { path: 'pages/login/login', query: {} })
  }, 240_000)

  afterAll(async () => {
    mp?.chat.logout()
    bob?.chat.logout()
    for (const s of wx?.sockets ?? []) s.terminate()
    await server?.stop()
  })

  it('logs in as a guest (WeChat login unavailable) and keeps the token in wx storage', async () => {
    await mp.chat.login('小程序用户')
    await until(() => mp.conn.live, 'mp socket open')
    expect(mp.session.user.name).toBe('小程序用户')
    expect(String(wx.storage.get('chat.session'))).toContain(mp.session.token)
    expect(wx.sockets).toHaveLength(1)
  })

  it('chats with a user of another client, both ways, in order and once', async () => {
    const room = `mp_${Date.now()}`
    await mp.messages.join(room)
    await bob.messages.join(room)
    const r = mp.messages.send(room, 'text', { text: '来自小程序' })
    expect(r.ok).toBe(true)
    await until(() => bob.messages.timeline(room)?.size === 1, 'bob receives')
    bob.messages.send(room, 'text', { text: '来自 H5' })
    bob.messages.send(room, 'flower', { count: 2 })
    await until(() => mp.messages.timeline(room)?.size === 3, 'mp receives')
    const tl = mp.messages.timeline(room)
    expect(tl.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3])
    expect(tl.pending).toHaveLength(0)
    expect(tl.flowers).toBe(2)
    expect(mp.rooms.online[room].map((u: { name: string }) => u.name).sort()).toEqual(['Bob', '小程序用户'])
  })

  it('hides (socket closed before WeChat freezes it) and shows again with every missed message', async () => {
    const room = `mp_bg_${Date.now()}`
    await mp.messages.join(room)
    await bob.messages.join(room)
    wx.app?.onHide?.call(wx.app)
    expect(mp.conn.state).toBe('paused')
    await until(() => wx.sockets.every((s) => s.readyState === s.CLOSED), 'socket closed')
    for (let i = 0; i < 12; i++) bob.messages.send(room, 'text', { text: `m${i}` })
    await until(() => bob.messages.timeline(room)!.pending.length === 0, 'bob acked')
    wx.app?.onShow?.call(wx.app, { path: 'pages/chat/chat', query: {} })
    await until(() => mp.messages.timeline(room)?.size === 12, 'mp caught up')
    expect(mp.messages.timeline(room).hwm).toBe(12)
    // Still one live socket (the mini-program allows at most five).
    expect(wx.sockets.filter((s) => s.readyState === s.OPEN)).toHaveLength(1)
  })
})
