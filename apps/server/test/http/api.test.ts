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

  it("gives members the others' read marks (highest first), and refuses outsiders", async () => {
    const [a, b, c, out] = await Promise.all(['读者甲', '读者乙', '读者丙', '路人'].map((n) => login(s.url, n)))
    const room = `reads-${cid().slice(0, 8)}`
    const ca = await TestClient.connect(s.wsUrl, a.token)
    await ca.request({ type: 'join', room })
    for (let i = 0; i < 3; i++) await ca.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: `第 ${i + 1} 条` } })
    // b and c join after the three messages: their marks start at 3 (v1 §4); b reads, then the fourth is sent.
    const [cb, cc] = await Promise.all([TestClient.connect(s.wsUrl, b.token), TestClient.connect(s.wsUrl, c.token)])
    await cb.request({ type: 'join', room })
    await cc.request({ type: 'join', room })
    await ca.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: '第 4 条' } })
    cb.send({ type: 'read', room, seq: 4 })
    await ca.waitFor((f) => f.type === 'read' && f.user === b.user.id)
    const r = await http(s.url, 'GET', `/api/rooms/${room}/reads`, undefined, a.token)
    expect(r).toMatchObject({
      status: 200,
      body: {
        reads: [
          { user: b.user.id, seq: 4 },
          { user: c.user.id, seq: 3 },
        ],
      },
    })
    // The caller's own mark is left out; a mark still at 0 (a never sent `read`) says nothing.
    const rb = await http(s.url, 'GET', `/api/rooms/${room}/reads`, undefined, b.token)
    expect(rb.body).toEqual({ reads: [{ user: c.user.id, seq: 3 }] })
    expect(await http(s.url, 'GET', `/api/rooms/${room}/reads`, undefined, out.token)).toMatchObject({
      status: 403,
      body: { error: 'not_joined' },
    })
    expect(await http(s.url, 'GET', '/api/rooms/no-such-room-xyz/reads', undefined, a.token)).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    })
    expect(await http(s.url, 'GET', '/api/rooms/bad%20id/reads', undefined, a.token)).toMatchObject({
      status: 400,
      body: { error: 'bad_request' },
    })
    expect(await http(s.url, 'GET', `/api/rooms/${room}/reads`)).toMatchObject({ status: 401 })
    for (const x of [ca, cb, cc]) x.close()
  })
})
