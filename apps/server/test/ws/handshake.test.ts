import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
let token: string
beforeAll(async () => {
  s = await startServer()
  token = (await login(s.url, 'Shake')).token
})
afterAll(async () => {
  await s.close()
})

describe('handshake', () => {
  it('welcomes a valid hello with the user, node and heartbeat, echoing the id', async () => {
    const c = await TestClient.open(s.wsUrl)
    const w = await c.request({ type: 'hello', id: 'h1', token })
    expect(w).toMatchObject({ type: 'welcome', id: 'h1', user: { name: 'Shake' }, heartbeat: 25000 })
    expect(typeof w.node).toBe('string')
    c.close()
  })

  it.each([
    ['a bad token', { type: 'hello', token: 'nope' }],
    ['a forged token', { type: 'hello', token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1X3gifQ.AAAA' }],
    ['a frame other than hello', { type: 'ping' }],
    ['a join before welcome', { type: 'join', room: 'x' }],
    ['no token', { type: 'hello' }],
  ])('closes with 4001 on %s', async (_what, frame) => {
    const c = await TestClient.open(s.wsUrl)
    c.send(frame)
    expect(await c.waitClose()).toBe(4001)
  })

  it('closes with 4001 when the first frame is not JSON', async () => {
    const c = await TestClient.open(s.wsUrl)
    c.send('hello?')
    expect(await c.waitClose()).toBe(4001)
  })

  it('closes with 4002 when no hello comes within 10 s', async () => {
    const c = await TestClient.open(s.wsUrl)
    expect(await c.waitClose(14_000)).toBe(4002)
  }, 20_000)

  it('closes with 1003 on a binary frame and 1009 on a frame over 64 KiB', async () => {
    const c = await TestClient.connect(s.wsUrl, token)
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await c.waitClose()).toBe(1003)
    const d = await TestClient.connect(s.wsUrl, token)
    d.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) }))
    expect(await d.waitClose()).toBe(1009)
  })

  it('accepts a frame of exactly 64 KiB', async () => {
    const c = await TestClient.connect(s.wsUrl, token)
    const base = JSON.stringify({ type: 'ping', id: 'big', pad: '' })
    c.send(JSON.stringify({ type: 'ping', id: 'big', pad: 'x'.repeat(64 * 1024 - base.length) }))
    expect(await c.waitFor((f) => f.id === 'big')).toMatchObject({ type: 'pong' })
    c.close()
  })
})

describe('malformed input gets bad_request and the connection stays usable', () => {
  let c: TestClient
  beforeAll(async () => {
    c = await TestClient.connect(s.wsUrl, token)
    await c.request({ type: 'join', room: 'malformed' })
  })
  afterAll(() => c.close())

  const cases: Array<[string, unknown]> = [
    ['not JSON', '{"type":'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"ping"'],
    ['null', 'null'],
    ['an unknown type', { type: 'dance' }],
    ['a type that is not a string', { type: 5 }],
    ['a send without cid', { type: 'send', room: 'malformed', kind: 'text', body: { text: 'x' } }],
    ['a 7-character cid', { type: 'send', room: 'malformed', cid: 'abcdefg', kind: 'text', body: { text: 'x' } }],
    ['a 65-character cid', { type: 'send', room: 'malformed', cid: 'a'.repeat(65), kind: 'text', body: { text: 'x' } }],
    ['a cid with bad characters', { type: 'send', room: 'malformed', cid: 'abc def gh', kind: 'text', body: { text: 'x' } }],
    ['an unknown kind', { type: 'send', room: 'malformed', cid: cid(), kind: 'video', body: {} }],
    ['a body that is not an object', { type: 'send', room: 'malformed', cid: cid(), kind: 'text', body: 'x' }],
    ['an empty text', { type: 'send', room: 'malformed', cid: cid(), kind: 'text', body: { text: '   ' } }],
    ['a text over 4000 characters', { type: 'send', room: 'malformed', cid: cid(), kind: 'text', body: { text: '字'.repeat(4001) } }],
    ['a flower count of 100', { type: 'send', room: 'malformed', cid: cid(), kind: 'flower', body: { count: 100 } }],
    ['a room id with bad characters', { type: 'join', room: 'a b' }],
    ['a room id of 65 characters', { type: 'join', room: 'r'.repeat(65) }],
    ['a malformed dm id', { type: 'join', room: 'dm:onlyone' }],
    ['an unsorted dm id', { type: 'join', room: 'dm:u_b:u_a' }],
    ['a huge seq', { type: 'history', room: 'malformed', after: 1e300 }],
    ['a negative seq', { type: 'history', room: 'malformed', before: -1 }],
    ['a fractional seq', { type: 'read', room: 'malformed', seq: 1.5 }],
    ['a string seq', { type: 'recall', room: 'malformed', seq: '1' }],
    ['limit 0', { type: 'history', room: 'malformed', after: 0, limit: 0 }],
    ['limit 101', { type: 'history', room: 'malformed', after: 0, limit: 101 }],
    ['__proto__ keys', '{"type":"send","room":"malformed","cid":"abcdefgh1","kind":"text","body":{"__proto__":{"text":"x"}}}'],
    ['a __proto__ resume on a second hello', '{"type":"hello","token":"x","resume":{"__proto__":1}}'],
  ]
  it.each(cases)('%s', async (_what, frame) => {
    const before = c.frames.length
    c.send(frame)
    const err = await c.waitFor((f) => f.type === 'error', 3000, before)
    expect(err.code).toBe('bad_request')
    expect(typeof err.message).toBe('string')
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  })

  it('echoes the id of a failed request', async () => {
    const err = await c.request({ type: 'history', id: 'q1', room: 'malformed', after: 0, limit: 500 })
    expect(err).toMatchObject({ type: 'error', id: 'q1', code: 'bad_request' })
  })

  it('stored nothing from any of it', async () => {
    const h = await c.request({ type: 'history', room: 'malformed', after: 0 })
    expect(h.messages).toEqual([])
  })
})
