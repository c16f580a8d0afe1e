// §3.2 history frame and §2 GET /api/rooms/:id/messages: before/after/limit bounds, ascending
// order, `more`, and the 400 for limit outside 1–100 on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expectError,
  fill,
  http,
  joinedClient,
  login,
  range,
  seqs,
  startRoomy,
  type Login,
  type TestClient,
  type TestServer,
} from './support'

let s: TestServer
let u: Login
let c: TestClient
const R = 'history-120'
const N = 120

beforeAll(async () => {
  s = await startRoomy()
  u = await login(s.url, 'Historian')
  c = await joinedClient(s, u.token, R)
  await fill(c, R, N)
})
afterAll(async () => {
  c?.close()
  await s?.close()
})

const viaSocket = async (q: Record<string, unknown>) => {
  const r = await c.request({ type: 'history', room: R, ...q })
  expect(r).toMatchObject({ type: 'history', room: R })
  return { s: seqs(r.messages), more: r.more }
}
const viaHttp = async (qs: string) => {
  const r = await http(s.url, 'GET', `/api/rooms/${R}/messages${qs}`, undefined, u.token)
  expect(r.status).toBe(200)
  expect(Object.keys(r.body).sort()).toEqual(['messages', 'more'])
  return { s: seqs(r.body.messages), more: r.body.more }
}

// [query, expected seqs, expected more]
const pages: Array<[Record<string, number>, number[], boolean]> = [
  [{ after: 0 }, range(1, 30), true],
  [{ after: 0, limit: 100 }, range(1, 100), true],
  [{ after: 100, limit: 100 }, range(101, 120), false],
  [{ after: 90, limit: 30 }, range(91, 120), false],
  [{ after: 119, limit: 1 }, [120], false],
  [{ after: 120 }, [], false],
  [{ after: 5000 }, [], false],
  [{ before: 121, limit: 100 }, range(21, 120), true],
  [{ before: 21, limit: 100 }, range(1, 20), false],
  [{ before: 31, limit: 30 }, range(1, 30), false],
  [{ before: 2, limit: 1 }, [1], false],
  [{ before: 1 }, [], false],
  [{ before: 0 }, [], false],
  [{ before: 60 }, range(30, 59), true],
  [{ before: 5000, limit: 10 }, range(111, 120), true],
  [{ limit: 10 }, range(111, 120), true], // ◆ no cursor: the latest
  [{}, range(91, 120), true],
  [{ limit: 100 }, range(21, 120), true],
]

describe('history pages (socket frame and HTTP agree)', () => {
  it.each(pages)('%j → the expected seqs, ascending', async (q, want, more) => {
    expect(await viaSocket(q)).toEqual({ s: want, more })
    const qs = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString()
    expect(await viaHttp(qs ? `?${qs}` : '')).toEqual({ s: want, more })
  })

  it('reading everything with after until more is false yields 1…N exactly once', async () => {
    const got: number[] = []
    let after = 0
    for (let i = 0; i < 50; i++) {
      const page = await viaSocket({ after, limit: 7 })
      got.push(...page.s)
      if (!page.more) break
      after = page.s.at(-1)!
    }
    expect(got).toEqual(range(1, N))
  })

  it('returns full messages, identical over the socket and HTTP', async () => {
    const a = await c.request({ type: 'history', room: R, after: 10, limit: 5 })
    const b = await http(s.url, 'GET', `/api/rooms/${R}/messages?after=10&limit=5`, undefined, u.token)
    expect(b.body.messages).toEqual(a.messages)
    expect(a.messages[0]).toEqual({
      room: R,
      seq: 11,
      cid: expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      from: u.user,
      kind: 'text',
      body: { text: 'm10' },
      ts: expect.any(Number),
    })
  })
})

describe('limit and cursor validation', () => {
  it.each([0, 101, -1, 1.5, '10', null, 1e6])('socket: limit %j is bad_request', async (limit) => {
    expect(await c.request({ type: 'history', room: R, after: 0, limit })).toMatchObject({ type: 'error', code: 'bad_request' })
  })

  it.each(['0', '101', '-1', '1.5', 'ten', '', '1e2'])('HTTP: limit=%s is 400 bad_request', async (limit) => {
    expectError(await http(s.url, 'GET', `/api/rooms/${R}/messages?after=0&limit=${limit}`, undefined, u.token), 'bad_request')
  })

  it.each(['before=-1', 'after=-1', 'after=x', 'before=1.5', 'after=1&before=5'])('HTTP: %s is 400 bad_request', async (q) => {
    expectError(await http(s.url, 'GET', `/api/rooms/${R}/messages?${q}`, undefined, u.token), 'bad_request')
  })

  it('◆ socket: before and after together is bad_request', async () => {
    expect(await c.request({ type: 'history', room: R, after: 1, before: 5 })).toMatchObject({ type: 'error', code: 'bad_request' })
  })

  it('limit 1 and 100 are the accepted bounds', async () => {
    expect((await viaSocket({ after: 0, limit: 1 })).s).toEqual([1])
    expect((await viaSocket({ after: 0, limit: 100 })).s).toHaveLength(100)
    expect((await viaHttp('?after=0&limit=1')).s).toEqual([1])
    expect((await viaHttp('?after=0&limit=100')).s).toHaveLength(100)
  })

  it('◆ HTTP history of an unknown room is 404 not_found; of a room the user is not in, 403 not_joined', async () => {
    expectError(await http(s.url, 'GET', '/api/rooms/no-such-room-here/messages', undefined, u.token), 'not_found')
    const other = await login(s.url, 'Outsider')
    expectError(await http(s.url, 'GET', `/api/rooms/${R}/messages`, undefined, other.token), 'not_joined')
  })
})
