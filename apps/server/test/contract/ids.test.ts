// §3: a request may carry "id" (string or number, ≤ 64 characters); the reply carries the
// same id. §3.4: seq starts at 1 per room and rises by exactly 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { barrier, cid, http, joinedClient, login, range, seqs, startRoomy, TestClient, type Login, type TestServer } from './support'

let s: TestServer
let u: Login
let c: TestClient
beforeAll(async () => {
  s = await startRoomy()
  u = await login(s.url, 'Ids')
  c = await joinedClient(s, u.token, 'ids-room')
})
afterAll(async () => {
  c?.close()
  await s?.close()
})

describe('request ids', () => {
  it.each([
    ['a number', 7],
    ['zero', 0],
    ['a negative fraction', -1.25],
    ['a string', 'req-1'],
    ['an empty string', ''],
    ['a 64-character string', 'i'.repeat(64)],
    ['a unicode string', '请求-1'],
    ['a numeric string (stays a string)', '7'],
  ])('echoes %s unchanged, in type and value', async (_what, id) => {
    const from = c.frames.length
    c.send({ type: 'ping', id })
    const pong = await c.waitFor((f) => f.type === 'pong', 5000, from)
    expect(pong.id).toStrictEqual(id)
  })

  it('echoes the id on every kind of reply: welcome, joined, left, ack, history, recalled, pong, error', async () => {
    const d = await TestClient.open(s.wsUrl)
    expect(await d.request({ type: 'hello', id: 'h-1', token: u.token })).toMatchObject({ type: 'welcome', id: 'h-1' })
    expect(await d.request({ type: 'join', id: 'j-1', room: 'ids-echo' })).toMatchObject({ type: 'joined', id: 'j-1' })
    const ack = await d.request({ type: 'send', id: 's-1', room: 'ids-echo', cid: cid(), kind: 'like', body: {} })
    expect(ack).toMatchObject({ type: 'ack', id: 's-1' })
    expect(await d.request({ type: 'history', id: 'hi-1', room: 'ids-echo' })).toMatchObject({ type: 'history', id: 'hi-1' })
    expect(await d.request({ type: 'recall', id: 'rc-1', room: 'ids-echo', seq: ack.seq })).toMatchObject({ type: 'recalled', id: 'rc-1' })
    expect(await d.request({ type: 'leave', id: 'l-1', room: 'ids-echo' })).toMatchObject({ type: 'left', id: 'l-1' })
    expect(await d.request({ type: 'join', id: 'e-1', room: 'bad room' })).toMatchObject({ type: 'error', id: 'e-1' })
    d.close()
  })

  it('pong carries the server time in ms', async () => {
    const pong = await c.request({ type: 'ping' })
    expect(pong).toEqual({ type: 'pong', id: pong.id, ts: expect.any(Number) })
    expect(Number.isInteger(pong.ts)).toBe(true)
    expect(Math.abs(pong.ts - Date.now())).toBeLessThan(60_000) // the same clock, not a speed check
  })

  it('a reply to a request without an id has no id', async () => {
    const from = c.frames.length
    c.send({ type: 'ping' })
    const pong = await c.waitFor((f) => f.type === 'pong', 5000, from)
    expect(pong).not.toHaveProperty('id')
    c.send({ type: 'join', room: 'bad room' })
    const err = await c.waitFor((f) => f.type === 'error', 5000, from)
    expect(err).not.toHaveProperty('id')
  })

  it.each([
    ['a 65-character string', 'i'.repeat(65)],
    ['null', null],
    ['true', true],
    ['an object', { a: 1 }],
    ['an array', [1]],
  ])('◆ refuses %s as id with bad_request and does not process the frame', async (_what, id) => {
    const from = c.frames.length
    c.send({ type: 'send', id, room: 'ids-room', cid: cid(), kind: 'text', body: { text: 'must not be stored' } })
    const err = await c.waitFor((f) => f.type === 'error', 5000, from)
    expect(err.code).toBe('bad_request')
    expect(err).not.toHaveProperty('id')
    await barrier(c)
    expect(c.frames.slice(from).some((f) => f.type === 'ack')).toBe(false)
  })

  it('replies carry their own id even when requests overlap', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`)
    for (const id of ids) c.send({ type: i(id) % 2 ? 'ping' : 'history', id, room: 'ids-room', limit: 1 })
    const replies = await c.waitCount((f) => typeof f.id === 'string' && ids.includes(f.id), ids.length)
    for (const r of replies) expect(r.type).toBe(i(r.id) % 2 ? 'pong' : 'history')
  })
})

const i = (id: string) => Number(id.slice(1))

describe('seq', () => {
  it('starts at 1 in each room and rises by exactly 1 per stored message, socket and HTTP mixed', async () => {
    const v = await login(s.url, 'Seq')
    const d = await joinedClient(s, v.token, 'seq-a', 'seq-b')
    const got: number[] = []
    for (let k = 0; k < 6; k++) {
      if (k % 2) got.push((await d.request({ type: 'send', room: 'seq-a', cid: cid(), kind: 'like', body: {} })).seq)
      else got.push((await http(s.url, 'POST', '/api/rooms/seq-a/messages', { cid: cid(), kind: 'like', body: {} }, v.token)).body.seq)
    }
    expect(got).toEqual(range(1, 6))
    expect((await d.request({ type: 'send', room: 'seq-b', cid: cid(), kind: 'like', body: {} })).seq).toBe(1)
    d.close()
  })

  it('refused sends and dedupe hits take no seq', async () => {
    const v = await login(s.url, 'Seq2')
    const d = await joinedClient(s, v.token, 'seq-c')
    const k = cid()
    expect((await d.request({ type: 'send', room: 'seq-c', cid: k, kind: 'like', body: {} })).seq).toBe(1)
    expect(await d.request({ type: 'send', room: 'seq-c', cid: cid(), kind: 'flower', body: { count: 0 } })).toMatchObject({
      type: 'error',
    })
    expect((await d.request({ type: 'send', room: 'seq-c', cid: k, kind: 'like', body: {} })).seq).toBe(1)
    expect((await d.request({ type: 'send', room: 'seq-c', cid: cid(), kind: 'like', body: {} })).seq).toBe(2)
    d.close()
  })

  it('concurrent senders on several connections get distinct, gap-free seqs, delivered to everyone in order', async () => {
    const users = await Promise.all(['P1', 'P2', 'P3'].map((n) => login(s.url, n)))
    const conns = await Promise.all(users.map((x) => joinedClient(s, x.token, 'seq-race')))
    const per = 20
    for (const [n, conn] of conns.entries())
      for (let k = 0; k < per; k++)
        conn.send({ type: 'send', id: `r${n}-${k}`, room: 'seq-race', cid: cid(), kind: 'text', body: { text: `${n}:${k}` } })
    const acks = (await Promise.all(conns.map((conn) => conn.waitCount((f) => f.type === 'ack', per, 20_000)))).flat()
    expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual(range(1, per * conns.length))
    for (const conn of conns) {
      const msgs = await conn.waitCount((f) => f.type === 'message' && f.room === 'seq-race', per * conns.length, 20_000)
      expect(seqs(msgs.map((f) => f.msg))).toEqual(range(1, per * conns.length))
    }
    conns.forEach((x) => x.close())
  })
})
