// v1.1 §H rules that hold across the cluster: two nodes sharing Postgres and Redis, with
// the default limits (no ROOMY here: the defaults themselves are under test). TRUST_PROXY=1
// lets a test pick the client address with X-Forwarded-For, so the admin lockout of one
// test does not lock out the others (requests without the header count as 127.0.0.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { png } from '../helpers/images'
import {
  barrier,
  cid,
  enc,
  expectError,
  fill,
  http,
  joinedClient,
  login,
  sendText,
  sleep,
  startTwoNodes,
  TestClient,
  type Login,
  type TestServer,
  type TwoNodes,
} from './support'

const ADMIN_TOKEN = 'abuse-admin-token-0123456789abcdef'
let cluster: TwoNodes
let n1: TestServer, n2: TestServer

beforeAll(async () => {
  cluster = await startTwoNodes('abuse-multinode', ['abuse-1', 'abuse-2'], {
    JWT_SECRET: 'abuse-secret-0123456789abcdef0123',
    ADMIN_TOKEN,
    TRUST_PROXY: '1',
    // Only the socket frame rate is raised: the presence test flaps faster than 200 frames/s could matter.
    FRAME_RATE_LIMIT: '100000',
  })
  ;({ n1, n2 } = cluster)
}, 60_000)
afterAll(() => cluster?.close())

const node = (i: number) => (i % 2 ? n2 : n1)
const refusals = async (s: TestServer, limit: string) => {
  const text = await (await fetch(`${s.url}/metrics`)).text()
  const m = new RegExp(`^chat_limit_refusals_total\\{[^}]*limit="${limit}"[^}]*\\} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}
const sum = async (limit: string) => (await refusals(n1, limit)) + (await refusals(n2, limit))

describe('per-user API budgets across nodes (defaults)', () => {
  it('a burst of 1000 GET /api/me by one user hits API_RATE_LIMIT: 429 rate_limited with Retry-After', async () => {
    const u = await login(n1.url, 'Burst')
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        fetch(`${node(i).url}/api/me`, { headers: { authorization: `Bearer ${u.token}` } }).then(async (r) => ({
          status: r.status,
          retry: r.headers.get('retry-after'),
          body: await r.json(),
        })),
      ),
    )
    const ok = results.filter((r) => r.status === 200).length
    const limited = results.filter((r) => r.status === 429)
    // One budget for both nodes: 600 a minute by default.
    expect(ok).toBe(600)
    expect(limited.length).toBe(400)
    expect(limited[0].body).toEqual({ error: 'rate_limited', message: expect.any(String) })
    for (const r of limited) expect(Number(r.retry)).toBeGreaterThanOrEqual(1)
    expect(Number(limited[0].retry)).toBeLessThanOrEqual(60)
    // Another user, same address, is not affected; the admin API does not count.
    const other = await login(n2.url, 'Neighbour')
    expect((await http(n1.url, 'GET', '/api/me', undefined, other.token)).status).toBe(200)
    expect((await http(n1.url, 'GET', '/api/admin/stats', undefined, ADMIN_TOKEN)).status).not.toBe(429)
    expect(await sum('api')).toBeGreaterThanOrEqual(400)
  }, 30_000)

  it('a class of 500 behind one address (one NAT) logs in and makes its calls without a 429', async () => {
    const users: Login[] = []
    for (let i = 0; i < 500; i += 50) {
      users.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => login(node(i + k).url, `S${i + k}`)))))
    }
    const statuses = await Promise.all(
      users.flatMap((u, i) => [
        http(node(i).url, 'GET', '/api/me', undefined, u.token).then((r) => r.status),
        http(node(i + 1).url, 'GET', '/api/rooms', undefined, u.token).then((r) => r.status),
      ]),
    )
    expect(statuses.every((st) => st === 200)).toBe(true)
  }, 60_000)

  it('uploads: at most 20 a minute per user (UPLOAD_RATE_LIMIT), counted on every node', async () => {
    const u = await login(n1.url, 'Uploader')
    const statuses: number[] = []
    let retry: string | null = null
    for (let i = 0; i < 25; i++) {
      const form = new FormData()
      form.append('file', new Blob([png(2, 2, i)], { type: 'image/png' }), 'x.png')
      const r = await fetch(`${node(i).url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${u.token}` } })
      statuses.push(r.status)
      if (r.status === 429) retry = r.headers.get('retry-after')
      await r.arrayBuffer()
    }
    expect(statuses.slice(0, 20).every((st) => st === 201)).toBe(true)
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429])
    expect(Number(retry)).toBeGreaterThanOrEqual(1)
    expect(await sum('upload')).toBeGreaterThanOrEqual(5)
  })

  it('room creation: at most 10 a minute per user (ROOM_CREATE_RATE_LIMIT), counted on every node', async () => {
    const u = await login(n1.url, 'Creator')
    const results = []
    for (let i = 0; i < 15; i++) results.push(await http(node(i).url, 'POST', '/api/rooms', { title: `room ${i}` }, u.token))
    expect(results.slice(0, 10).every((r) => r.status === 201)).toBe(true)
    for (const r of results.slice(10)) {
      expectError(r, 'rate_limited')
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
    expect(await sum('room_create')).toBeGreaterThanOrEqual(5)
  })

  it('room creation: a refused body (400) creates nothing and does not use up the budget; a taken id (409) does', async () => {
    const u = await login(n1.url, 'Careless')
    for (const body of [{ title: '' }, { title: 'x'.repeat(65) }, { id: 'bad id' }, { access: 'secret' }, { id: 'dm:a:b' }, { title: 5 }]) {
      for (let i = 0; i < 2; i++) expectError(await http(node(i).url, 'POST', '/api/rooms', body, u.token), 'bad_request')
    }
    const results = []
    for (let i = 0; i < 9; i++) results.push(await http(node(i).url, 'POST', '/api/rooms', { title: `ok ${i}` }, u.token))
    expect(results.map((r) => r.status)).toEqual(Array(9).fill(201))
    expectError(await http(n2.url, 'POST', '/api/rooms', { id: results[0].body.id }, u.token), 'conflict')
    expectError(await http(n1.url, 'POST', '/api/rooms', { title: 'one too many' }, u.token), 'rate_limited')
  })
})

describe('operator stats across nodes (v1.1 §G)', () => {
  const stats = async (s: TestServer) => (await http(s.url, 'GET', '/api/admin/stats', undefined, ADMIN_TOKEN)).body
  it('connections opened on both nodes show in /api/admin/stats of either node at once, not at the next heartbeat', async () => {
    await sleep(300) // sockets earlier tests closed have left the count
    const before = await stats(n1)
    expect(before.nodes).toBe(2)
    const u = await login(n1.url, 'Counted')
    const socks = [
      await TestClient.connect(n1.wsUrl, u.token),
      await TestClient.connect(n2.wsUrl, u.token),
      await TestClient.connect(n2.wsUrl, u.token),
    ]
    await sleep(300) // well under the 5 s heartbeat
    for (const n of [n1, n2]) expect((await stats(n)).connections, n.url).toBe(before.connections + 3)
    for (const c of socks) c.close()
    await sleep(300)
    for (const n of [n1, n2]) expect((await stats(n)).connections, n.url).toBe(before.connections)
  })
})

describe('admin token guessing', () => {
  const admin = (s: TestServer, ip: string, token?: string) =>
    fetch(`${s.url}/api/admin/stats`, { headers: { 'x-forwarded-for': ip, ...(token ? { authorization: `Bearer ${token}` } : {}) } }).then(
      async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() }),
    )

  it('10 wrong tokens from one address within a minute → 429 for the rest of it, right token included, on every node', async () => {
    const ip = '203.0.113.7'
    expect((await admin(n1, ip, ADMIN_TOKEN)).status).toBe(200)
    for (let i = 0; i < 10; i++) expect((await admin(node(i), ip, `wrong-${i}`)).status).toBe(401)
    for (const s of [n1, n2]) {
      const r = await admin(s, ip, ADMIN_TOKEN)
      expect(r.status).toBe(429)
      expect(r.body.error).toBe('rate_limited')
      expect(Number(r.retry)).toBeGreaterThanOrEqual(1)
      expect(Number(r.retry)).toBeLessThanOrEqual(60)
    }
    // Another address is not locked out.
    expect((await admin(n2, '203.0.113.8', ADMIN_TOKEN)).status).toBe(200)
    expect(await sum('admin_auth')).toBeGreaterThanOrEqual(2)
  })

  it('requests with no token do not count as wrong tokens', async () => {
    const ip = '203.0.113.9'
    for (let i = 0; i < 20; i++) expect((await admin(node(i), ip)).status).toBe(401)
    expect((await admin(n1, ip, ADMIN_TOKEN)).status).toBe(200)
  })
})

describe('presence coalescing across nodes', () => {
  const presenceOf = (userId: string) => (f: any) => f.type === 'presence' && f.user?.id === userId

  it('20 quick leave/join pairs on node 1: an observer on node 2 gets at most one frame a second, the last one true', async () => {
    const [obs, flap] = await Promise.all([login(n1.url, 'Observer'), login(n1.url, 'Flapper')])
    const R = 'h-flap'
    const o = await joinedClient(n2, obs.token, R)
    const f = await joinedClient(n1, flap.token, R)
    await o.waitFor(presenceOf(flap.user.id))
    await sleep(1100)
    const from = o.frames.length
    const times: number[] = []
    o.ws.on('message', (d) => {
      const fr = JSON.parse(d.toString())
      if (presenceOf(flap.user.id)(fr)) times.push(Date.now())
    })
    const started = Date.now()
    for (let i = 0; i < 20; i++) {
      await f.request({ type: 'leave', room: R })
      await f.request({ type: 'join', room: R })
    }
    const flapMs = Date.now() - started
    await sleep(2100)
    const got = o.frames.slice(from).filter(presenceOf(flap.user.id))
    // At most one per started second of flapping, plus the held one after it.
    expect(got.length).toBeLessThanOrEqual(Math.ceil(flapMs / 1000) + 1)
    expect(got.length).toBeLessThan(40)
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(900)
    expect(got.at(-1)).toMatchObject({ status: 'online', user: { id: flap.user.id } })

    // Ending offline: the last frame says offline within 2 s.
    const from2 = o.frames.length
    for (let i = 0; i < 5; i++) {
      await f.request({ type: 'join', room: R })
      await f.request({ type: 'leave', room: R })
    }
    await sleep(2100)
    const got2 = o.frames.slice(from2).filter(presenceOf(flap.user.id))
    expect(got2.at(-1)).toMatchObject({ status: 'offline' })
    o.close()
    f.close()
  }, 30_000)

  it('a connection that joins while a change is held back sees the real state in joined.online', async () => {
    const [obs, flap, late] = await Promise.all([login(n1.url, 'Obs'), login(n1.url, 'Flap'), login(n2.url, 'Late')])
    const R = 'h-held'
    const o = await joinedClient(n2, obs.token, R)
    const f = await joinedClient(n1, flap.token, R)
    await o.waitFor(presenceOf(flap.user.id)) // online went out: the next change is held
    await f.request({ type: 'leave', room: R })
    const l = await TestClient.connect(n2.wsUrl, late.token)
    const j = await l.request({ type: 'join', room: R })
    expect(j.online.map((u: any) => u.id)).not.toContain(flap.user.id)
    // And the held frame, when it comes, agrees.
    const held = await o.waitFor((x) => presenceOf(flap.user.id)(x) && x.status === 'offline', 3000)
    expect(held.status).toBe('offline')
    for (const c of [o, f, l]) c.close()
  })
})

describe('read pushes across nodes', () => {
  it('26 reads with an unchanged seq on node 2 make one push on node 1', async () => {
    const [a, b] = await Promise.all([login(n1.url, 'RA'), login(n2.url, 'RB')])
    const ca = await joinedClient(n1, a.token, 'h-read-mn')
    const cb = await joinedClient(n2, b.token, 'h-read-mn')
    await fill(ca, 'h-read-mn', 2)
    await cb.waitFor((f) => f.type === 'message' && f.msg.seq === 2)
    const from = ca.frames.length
    for (let i = 0; i < 26; i++) cb.send({ type: 'read', room: 'h-read-mn', seq: 2 })
    await barrier(cb)
    // A message sent after the reads arrives after their pushes (one channel per room).
    const { seq } = await sendText(cb, 'h-read-mn', 'after')
    await ca.waitFor((f) => f.type === 'message' && f.msg.seq === seq)
    await sleep(200)
    expect(ca.frames.slice(from).filter((f) => f.type === 'read')).toEqual([{ type: 'read', room: 'h-read-mn', user: b.user.id, seq: 2 }])
    ca.close()
    cb.close()
  })
})

describe('dm rules and blocks across nodes', () => {
  const dm = (x: Login, y: Login) => (x.user.id < y.user.id ? `dm:${x.user.id}:${y.user.id}` : `dm:${y.user.id}:${x.user.id}`)

  it("POST/DELETE/GET /api/blocks; while A blocks B, B's joins and sends into their dm are forbidden on every node", async () => {
    const [a, b] = await Promise.all([login(n1.url, 'Blocker'), login(n2.url, 'Blocked')])
    const room = dm(a, b)
    const ca = await joinedClient(n1, a.token, 'h-meet')
    const cb = await joinedClient(n2, b.token, 'h-meet')
    expect(await ca.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    expect(await cb.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    await sendText(cb, room, 'hi A')

    expect((await http(n1.url, 'POST', '/api/blocks', { userId: b.user.id }, a.token)).status).toBe(204)
    expect((await http(n2.url, 'GET', '/api/blocks', undefined, a.token)).body).toEqual([b.user])
    expect((await http(n2.url, 'GET', '/api/blocks', undefined, b.token)).body).toEqual([])

    // B: socket send (already joined), HTTP send, a fresh join — all forbidden, on node 2.
    expect(await cb.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'still there?' } })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    })
    expectError(
      await http(n2.url, 'POST', `/api/rooms/${enc(room)}/messages`, { cid: cid(), kind: 'text', body: { text: 'x' } }, b.token),
      'forbidden',
    )
    const cb2 = await TestClient.connect(n2.wsUrl, b.token)
    expect(await cb2.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'forbidden', room })
    // The blocker may still write.
    expect(await sendText(ca, room, 'I can still talk')).toMatchObject({ type: 'ack' })
    expect(await sum('block')).toBeGreaterThanOrEqual(3)

    expect((await http(n2.url, 'DELETE', `/api/blocks/${b.user.id}`, undefined, a.token)).status).toBe(204)
    expect((await http(n1.url, 'GET', '/api/blocks', undefined, a.token)).body).toEqual([])
    expect(await cb2.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    expect(await sendText(cb2, room, 'thanks')).toMatchObject({ type: 'ack' })
    for (const c of [ca, cb, cb2]) c.close()
  })

  it('blocking an unknown user → 404, oneself → 400; unblocking is idempotent', async () => {
    const a = await login(n1.url, 'Picky')
    expectError(await http(n1.url, 'POST', '/api/blocks', { userId: 'u_nobodyatall0000' }, a.token), 'not_found')
    expectError(await http(n2.url, 'POST', '/api/blocks', { userId: a.user.id }, a.token), 'bad_request')
    expectError(await http(n2.url, 'POST', '/api/blocks', {}, a.token), 'bad_request')
    expectError(await http(n2.url, 'DELETE', `/api/blocks/${a.user.id}`, undefined, a.token), 'bad_request')
    const b = await login(n2.url, 'Other')
    expect((await http(n2.url, 'DELETE', `/api/blocks/${b.user.id}`, undefined, a.token)).status).toBe(204)
    expectError(await http(n2.url, 'GET', '/api/blocks'), 'unauthorized')
  })

  it('a dm opens on a common group room (current membership) or once it has a message, whichever node', async () => {
    const [a, b] = await Promise.all([login(n1.url, 'X'), login(n2.url, 'Y')])
    const room = dm(a, b)
    const ca = await TestClient.connect(n1.wsUrl, a.token)
    expect(await ca.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'forbidden' })
    await ca.request({ type: 'join', room: 'h-common' })
    const cb = await joinedClient(n2, b.token, 'h-common')
    expect(await ca.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    // No message yet and B leaves the group: no longer open.
    await cb.request({ type: 'leave', room: 'h-common' })
    expect(await cb.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'forbidden' })
    await cb.request({ type: 'join', room: 'h-common' })
    expect(await cb.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    await sendText(cb, room, 'first')
    await cb.request({ type: 'leave', room: 'h-common' })
    const cb2 = await TestClient.connect(n1.wsUrl, b.token)
    expect(await cb2.request({ type: 'join', room })).toMatchObject({ type: 'joined' })
    for (const c of [ca, cb, cb2]) c.close()
  })
})
