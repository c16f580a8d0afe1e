// §3.4 message kinds and body rules, over the socket and HTTP (§2 POST …/messages).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, expectError, http, joinedClient, login, seqs, startRoomy, type Login, type TestClient, type TestServer } from './support'

let s: TestServer
let owner: Login, admin: Login, viewer: Login
let o: TestClient, a: TestClient, v: TestClient
const LIVE = 'kinds-live' // owned (POST /api/rooms): answers need an owner or admin
const PUB = 'kinds-pub' // created by join: no owner

beforeAll(async () => {
  s = await startRoomy()
  owner = await login(s.url, 'Host')
  admin = await login(s.url, 'Assistant')
  viewer = await login(s.url, 'Viewer')
  expect((await http(s.url, 'POST', '/api/rooms', { id: LIVE, title: 'Live class' }, owner.token)).status).toBe(201)
  o = await joinedClient(s, owner.token, LIVE, PUB)
  a = await joinedClient(s, admin.token, LIVE, PUB)
  v = await joinedClient(s, viewer.token, LIVE, PUB)
  expect((await http(s.url, 'POST', `/api/rooms/${LIVE}/admins`, { userId: admin.user.id }, owner.token)).status).toBe(204)
})
afterAll(async () => {
  for (const c of [o, a, v]) c?.close()
  await s?.close()
})

const send = (c: TestClient, room: string, kind: string, body: unknown) => c.request({ type: 'send', room, cid: cid(), kind, body })
const post = (who: Login, room: string, kind: string, body: unknown) =>
  http(s.url, 'POST', `/api/rooms/${room}/messages`, { cid: cid(), kind, body }, who.token)

/** The stored copy of an acked message, as history returns it. */
async function stored(c: TestClient, room: string, seq: number) {
  const h = await c.request({ type: 'history', room, after: seq - 1, limit: 1 })
  expect(h.type).toBe('history')
  return h.messages[0]
}

describe('text and question: 1–4000 code points after trimming, the trimmed text stored', () => {
  for (const kind of ['text', 'question']) {
    it(`${kind}: 4000 astral code points (8000 UTF-16 units) are accepted, surrounding white space trimmed`, async () => {
      const text = '😀'.repeat(3999) + '你'
      const ack = await send(v, PUB, kind, { text: ` \t\n\u3000${text}\u00a0 ` })
      expect(ack).toMatchObject({ type: 'ack', room: PUB })
      const m = await stored(v, PUB, ack.seq)
      expect(m).toMatchObject({ seq: ack.seq, kind, body: { text } })
      expect([...m.body.text]).toHaveLength(4000)
    })

    it(`${kind}: 4001 code points are bad_request over the socket and 400 over HTTP`, async () => {
      const text = '😀'.repeat(4001)
      expect(await send(v, PUB, kind, { text })).toMatchObject({ type: 'error', code: 'bad_request' })
      expectError(await post(viewer, PUB, kind, { text }), 'bad_request')
    })

    it(`${kind}: a single code point is accepted; empty-after-trim, missing and non-string texts are refused`, async () => {
      const ack = await send(v, PUB, kind, { text: '  x  ' })
      expect((await stored(v, PUB, ack.seq)).body).toEqual({ text: 'x' })
      for (const body of [{ text: '' }, { text: ' \u3000\t\n ' }, {}, { text: 42 }, { text: null }, { text: ['a'] }]) {
        expect(await send(v, PUB, kind, body)).toMatchObject({ type: 'error', code: 'bad_request' })
        expectError(await post(viewer, PUB, kind, body), 'bad_request')
      }
    })
  }

  it('stores and delivers the trimmed text to everyone, with the contract Message shape', async () => {
    const c = cid()
    const ack = await v.request({ type: 'send', room: PUB, cid: c, kind: 'question', body: { text: '\n 为什么? \n' } })
    const push = await o.waitFor((f) => f.type === 'message' && f.room === PUB && f.msg.seq === ack.seq)
    expect(push.msg).toEqual({
      room: PUB,
      seq: ack.seq,
      cid: c,
      from: viewer.user,
      kind: 'question',
      body: { text: '为什么?' },
      ts: ack.ts,
    })
  })

  it('◆ drops unknown body fields instead of refusing them', async () => {
    const ack = await send(v, PUB, 'text', { text: 'hi', color: 'red' })
    expect((await stored(v, PUB, ack.seq)).body).toEqual({ text: 'hi' })
  })
})

describe('like: body {}', () => {
  it('stores {} (◆ extra fields dropped) over the socket and HTTP', async () => {
    const ack = await send(v, PUB, 'like', {})
    expect(await stored(v, PUB, ack.seq)).toMatchObject({ kind: 'like', body: {} })
    const extra = await send(v, PUB, 'like', { count: 5, text: 'x' })
    expect((await stored(v, PUB, extra.seq)).body).toEqual({})
    const viaHttp = await post(viewer, PUB, 'like', {})
    expect(viaHttp.status).toBe(200)
    expect((await stored(v, PUB, viaHttp.body.seq)).body).toEqual({})
  })

  it('refuses a like whose body is not an object', async () => {
    for (const body of [null, [], 'x', 1]) {
      expect(await send(v, PUB, 'like', body)).toMatchObject({ type: 'error', code: 'bad_request' })
      expectError(await post(viewer, PUB, 'like', body), 'bad_request')
    }
  })
})

describe('flower: {"count"?: 1–99}', () => {
  it('accepts count 1 and 99 and keeps it', async () => {
    for (const count of [1, 99]) {
      const ack = await send(v, PUB, 'flower', { count })
      expect(await stored(v, PUB, ack.seq)).toMatchObject({ kind: 'flower', body: { count } })
    }
    const viaHttp = await post(viewer, PUB, 'flower', { count: 7 })
    expect(viaHttp.status).toBe(200)
    expect((await stored(v, PUB, viaHttp.body.seq)).body).toEqual({ count: 7 })
  })

  it('◆ stores a flower without count as {}', async () => {
    const ack = await send(v, PUB, 'flower', {})
    expect((await stored(v, PUB, ack.seq)).body).toEqual({})
  })

  it.each([0, 100, -1, 1.5, '3', null, 1e9])('refuses count %j', async (count) => {
    expect(await send(v, PUB, 'flower', { count })).toMatchObject({ type: 'error', code: 'bad_request' })
    expectError(await post(viewer, PUB, 'flower', { count }), 'bad_request')
  })
})

describe('image: a url returned by /api/uploads on this deployment', () => {
  // Nothing has been uploaded to this server, so no url can be one of its uploads.
  it.each([
    ['a never-uploaded /uploads path', { url: '/uploads/never-uploaded.png' }],
    ['an absolute URL of another site', { url: 'https://example.com/cat.png' }],
    ['an absolute URL naming this server', { url: 'http://127.0.0.1/uploads/x.png' }],
    ['a path traversal', { url: '/uploads/../jwt-secret' }],
    ['a data: URL', { url: 'data:image/png;base64,iVBORw0KGgo=' }],
    ['no url', { width: 10, height: 10 }],
    ['a url that is not a string', { url: 42 }],
    ['an SVG path', { url: '/uploads/x.svg' }],
  ])('refuses %s with bad_request (socket) and 400 (HTTP)', async (_what, body) => {
    expect(await send(v, PUB, 'image', body)).toMatchObject({ type: 'error', code: 'bad_request' })
    expectError(await post(viewer, PUB, 'image', body), 'bad_request')
  })
})

describe('answer: {"question": seq, "text"}, only by the room owner or admins', () => {
  let q: number
  let plain: number
  beforeAll(async () => {
    q = (await send(v, LIVE, 'question', { text: '老师，这题怎么做？' })).seq
    plain = (await send(v, LIVE, 'text', { text: 'just chatting' })).seq
  })

  it('the owner answers an existing question; the text is trimmed and the question seq kept', async () => {
    const ack = await send(o, LIVE, 'answer', { question: q, text: '  看第三章  ' })
    expect(ack).toMatchObject({ type: 'ack', room: LIVE })
    const push = await v.waitFor((f) => f.type === 'message' && f.room === LIVE && f.msg.seq === ack.seq)
    expect(push.msg).toMatchObject({ kind: 'answer', from: owner.user, body: { question: q, text: '看第三章' } })
  })

  it('an admin answers too, over the socket and HTTP', async () => {
    expect(await send(a, LIVE, 'answer', { question: q, text: 'ok' })).toMatchObject({ type: 'ack' })
    const r = await post(admin, LIVE, 'answer', { question: q, text: 'also ok' })
    expect(r.status).toBe(200)
    expect((await stored(a, LIVE, r.body.seq)).body).toEqual({ question: q, text: 'also ok' })
  })

  it('a plain member gets forbidden (socket) and 403 forbidden (HTTP), and nothing is stored', async () => {
    const before = (await v.request({ type: 'history', room: LIVE })).messages.at(-1).seq
    expect(await send(v, LIVE, 'answer', { question: q, text: 'I know!' })).toMatchObject({ type: 'error', code: 'forbidden' })
    expectError(await post(viewer, LIVE, 'answer', { question: q, text: 'I know!' }), 'forbidden')
    const after = (await v.request({ type: 'history', room: LIVE })).messages.at(-1).seq
    expect(after).toBe(before)
  })

  it('in a room without an owner nobody may answer', async () => {
    const pq = (await send(v, PUB, 'question', { text: 'anyone?' })).seq
    expect(await send(o, PUB, 'answer', { question: pq, text: 'me' })).toMatchObject({ type: 'error', code: 'forbidden' })
  })

  it('◆ refuses a question seq that does not exist or is not a question', async () => {
    for (const question of [999_999, plain]) {
      expect(await send(o, LIVE, 'answer', { question, text: 'x' })).toMatchObject({ type: 'error', code: 'bad_request' })
      expectError(await post(owner, LIVE, 'answer', { question, text: 'x' }), 'bad_request')
    }
  })

  it.each([
    ['no question', { text: 'x' }],
    ['question 0', { question: 0, text: 'x' }],
    ['a fractional question', { question: 1.5, text: 'x' }],
    ['a string question', { question: '1', text: 'x' }],
    ['no text', { question: 1 }],
    ['a blank text', { question: 1, text: '   ' }],
    ['a text over 4000 code points', { question: 1, text: 'a'.repeat(4001) }],
  ])('refuses %s with bad_request', async (_what, body) => {
    expect(await send(o, LIVE, 'answer', body)).toMatchObject({ type: 'error', code: 'bad_request' })
    expectError(await post(owner, LIVE, 'answer', body), 'bad_request')
  })
})

describe('kinds in general', () => {
  it('a send over HTTP is pushed to every joined connection like a socket send', async () => {
    const k = cid()
    const r = await http(
      s.url,
      'POST',
      `/api/rooms/${PUB}/messages`,
      { cid: k, kind: 'text', body: { text: ' from a bot ' } },
      viewer.token,
    )
    expect(r).toMatchObject({ status: 200, body: { room: PUB, cid: k, seq: expect.any(Number), ts: expect.any(Number) } })
    expect(Object.keys(r.body).sort()).toEqual(['cid', 'room', 'seq', 'ts'])
    for (const c of [o, a, v]) {
      const m = await c.waitFor((f) => f.type === 'message' && f.room === PUB && f.msg.seq === r.body.seq)
      expect(m.msg).toEqual({
        room: PUB,
        seq: r.body.seq,
        cid: k,
        from: viewer.user,
        kind: 'text',
        body: { text: 'from a bot' },
        ts: r.body.ts,
      })
    }
  })

  it('refuses an unknown kind or a non-object body over HTTP with 400', async () => {
    expectError(await post(viewer, PUB, 'video', {}), 'bad_request')
    expectError(await post(viewer, PUB, 'text', 'hello'), 'bad_request')
    expectError(await http(s.url, 'POST', `/api/rooms/${PUB}/messages`, { cid: cid(), kind: 'text' }, viewer.token), 'bad_request')
  })

  it('stored only the accepted messages, with seqs 1, 2, 3 … and no gaps', async () => {
    const all = []
    let after = 0
    for (;;) {
      const h = await v.request({ type: 'history', room: PUB, after, limit: 100 })
      all.push(...h.messages)
      if (!h.more) break
      after = h.messages.at(-1).seq
    }
    expect(seqs(all)).toEqual(all.map((_, i) => i + 1))
    for (const m of all) expect(['text', 'question', 'like', 'flower']).toContain(m.kind)
  })
})
