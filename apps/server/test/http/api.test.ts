import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.close()
})

describe('login and me', () => {
  it('creates a guest user per login with a trimmed name', async () => {
    const r = await http(s.url, 'POST', '/api/login', { name: '  小明  ', avatar: '/static/avatars/3.svg' })
    expect(r.status).toBe(200)
    expect(r.body.user).toMatchObject({ name: '小明', avatar: '/static/avatars/3.svg' })
    expect(r.body.user.id).toMatch(/^u_[A-Za-z0-9]+$/)
    const me = await http(s.url, 'GET', '/api/me', undefined, r.body.token)
    expect(me).toMatchObject({ status: 200, body: r.body.user })
    const again = await login(s.url, '小明')
    expect(again.user.id).not.toBe(r.body.user.id)
  })

  it.each([
    [{}, 'no name'],
    [{ name: '   ' }, 'a blank name'],
    [{ name: 'x'.repeat(33) }, 'a 33-character name'],
    [{ name: 42 }, 'a number'],
    [{ name: 'ok', avatar: 'javascript:alert(1)' }, 'a script avatar'],
    [{ name: 'ok', avatar: 'https://example.com/a.png' }, 'an absolute avatar url (v1.1 §H)'],
    [{ name: 'ok', avatar: 'http://127.0.0.1/uploads/a.png' }, 'an absolute url of an upload (v1.1 §H)'],
    [{ name: 'ok', avatar: '/static/../x.png' }, 'a /static/ path with .. (v1.1 §H)'],
    [{ name: 'ok', avatar: '/static/a b.svg' }, 'a /static/ path with a space (v1.1 §H)'],
    [{ name: 'ok', avatar: '/static/a?.svg' }, 'a /static/ path with a query (v1.1 §H)'],
    [{ name: 'ok', avatar: '/avatars/1.svg' }, 'a path outside /static/ and /uploads/ (v1.1 §H)'],
  ] as Array<[unknown, string]>)('refuses %j (%s) with 400 bad_request', async (body) => {
    const r = await http(s.url, 'POST', '/api/login', body)
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('bad_request')
    expect(typeof r.body.message).toBe('string')
  })

  it('accepts a 32-code-point name of emoji', async () => {
    const r = await http(s.url, 'POST', '/api/login', { name: '😀'.repeat(32) })
    expect(r.status).toBe(200)
  })

  it('refuses non-JSON bodies with 400', async () => {
    const r = await http(s.url, 'POST', '/api/login', '{"name":')
    expect(r).toMatchObject({ status: 400, body: { error: 'bad_request' } })
  })

  it('answers 401 unauthorized without a token, or with a bad one', async () => {
    for (const path of ['/api/me', '/api/rooms', '/api/rooms/x/messages', '/api/rooms/x/online']) {
      expect(await http(s.url, 'GET', path)).toMatchObject({ status: 401, body: { error: 'unauthorized' } })
      expect(await http(s.url, 'GET', path, undefined, 'garbage')).toMatchObject({ status: 401, body: { error: 'unauthorized' } })
    }
  })

  it('answers 503 wechat_disabled when WeChat is not configured', async () => {
    expect(await http(s.url, 'POST', '/api/login/wechat', { code: 'abc' })).toMatchObject({
      status: 503,
      body: { error: 'wechat_disabled' },
    })
  })

  it('has health and readiness', async () => {
    expect((await http(s.url, 'GET', '/healthz')).status).toBe(200)
    expect((await http(s.url, 'GET', '/readyz')).status).toBe(200)
  })
})

describe('rooms over HTTP', () => {
  it('creates an owned room (201), refuses a taken id, lists rooms with unread and last message', async () => {
    const alice = await login(s.url, 'Owner')
    const bob = await login(s.url, 'Reader')
    const created = await http(s.url, 'POST', '/api/rooms', { id: 'course-101', title: '高数 101' }, alice.token)
    expect(created).toMatchObject({ status: 201, body: { id: 'course-101', title: '高数 101', kind: 'group' } })
    expect((await http(s.url, 'POST', '/api/rooms', { id: 'course-101', title: 'again' }, bob.token)).status).toBe(409)

    const b = await TestClient.connect(s.wsUrl, bob.token)
    await b.request({ type: 'join', room: 'course-101' })
    await b.request({ type: 'join', room: 'quiet-room' })
    for (let i = 0; i < 3; i++) {
      const r = await http(
        s.url,
        'POST',
        '/api/rooms/course-101/messages',
        { cid: cid(), kind: 'text', body: { text: `m${i}` } },
        alice.token,
      )
      expect(r.status).toBe(200)
    }
    const rooms = await http(s.url, 'GET', '/api/rooms', undefined, bob.token)
    expect(rooms.status).toBe(200)
    expect(rooms.body.map((r: any) => r.id)).toEqual(['course-101', 'quiet-room'])
    expect(rooms.body[0]).toMatchObject({ id: 'course-101', title: '高数 101', kind: 'group', lastSeq: 3, unread: 3 })
    expect(rooms.body[0].lastMessage).toMatchObject({ seq: 3, body: { text: 'm2' } })
    expect(rooms.body[1]).toMatchObject({ id: 'quiet-room', lastSeq: 0, unread: 0, lastMessage: null })

    b.send({ type: 'read', room: 'course-101', seq: 2 })
    await b.waitFor((f) => f.type === 'read' && f.user === bob.user.id && f.seq === 2)
    const after = await http(s.url, 'GET', '/api/rooms', undefined, bob.token)
    expect(after.body[0].unread).toBe(1)
    b.close()
  })

  it('pages history with before/after and validates limit', async () => {
    const u = await login(s.url, 'Pager')
    const c = await TestClient.connect(s.wsUrl, u.token)
    await c.request({ type: 'join', room: 'pages' })
    for (let i = 1; i <= 5; i++) await c.request({ type: 'send', room: 'pages', cid: cid(), kind: 'text', body: { text: `${i}` } })
    const q = (qs: string) => http(s.url, 'GET', `/api/rooms/pages/messages${qs}`, undefined, u.token)
    expect((await q('?after=1&limit=2')).body).toMatchObject({ messages: [{ seq: 2 }, { seq: 3 }], more: true })
    expect((await q('?before=3&limit=5')).body).toMatchObject({ messages: [{ seq: 1 }, { seq: 2 }], more: false })
    expect((await q('?limit=2')).body).toMatchObject({ messages: [{ seq: 4 }, { seq: 5 }], more: true })
    expect(await q('?limit=0')).toMatchObject({ status: 400, body: { error: 'bad_request' } })
    expect(await q('?limit=101')).toMatchObject({ status: 400, body: { error: 'bad_request' } })
    const other = await login(s.url, 'Stranger')
    expect(await http(s.url, 'GET', '/api/rooms/pages/messages', undefined, other.token)).toMatchObject({
      status: 403,
      body: { error: 'not_joined' },
    })
    expect(await http(s.url, 'POST', '/api/rooms/pages/messages', { cid: cid(), kind: 'like', body: {} }, other.token)).toMatchObject({
      status: 403,
      body: { error: 'not_joined' },
    })
    c.close()
  })

  it('lists who is online in a room', async () => {
    const u = await login(s.url, 'Online')
    const c = await TestClient.connect(s.wsUrl, u.token)
    await c.request({ type: 'join', room: 'online-room' })
    const r = await http(s.url, 'GET', '/api/rooms/online-room/online', undefined, u.token)
    expect(r).toMatchObject({ status: 200, body: [u.user] })
    c.close()
    await c.waitClose()
    await expect.poll(async () => (await http(s.url, 'GET', '/api/rooms/online-room/online', undefined, u.token)).body).toEqual([])
  })
})
