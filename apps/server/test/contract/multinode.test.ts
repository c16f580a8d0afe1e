// The "on every node" / "across all nodes" lines of the contract: two server nodes sharing
// a Postgres store (DATABASE_URL), a Redis (REDIS_URL), one JWT_SECRET and — as
// docs/scaling.md requires for uploads — one DATA_DIR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  barrier,
  cid,
  expectError,
  http,
  joinedClient,
  login,
  range,
  ROOMY,
  seqs,
  sendText,
  startTwoNodes,
  TestClient,
  type TestServer,
  type TwoNodes,
} from './support'

const ADMIN_TOKEN = 'multinode-admin-token-0123456789'
let cluster: TwoNodes
let n1: TestServer, n2: TestServer

beforeAll(async () => {
  cluster = await startTwoNodes('contract-multinode', ['node-1', 'node-2'], {
    ...ROOMY,
    JWT_SECRET: 'multinode-secret-0123456789abcdef',
    ADMIN_TOKEN,
  })
  ;({ n1, n2 } = cluster)
}, 60_000)
afterAll(() => cluster?.close())

const onlineIds = async (s: TestServer, room: string, token: string) =>
  ((await http(s.url, 'GET', `/api/rooms/${room}/online`, undefined, token)).body as any[]).map((u) => u.id).sort()

describe('two nodes, one deployment', () => {
  it('a token from one node works on the other; welcome names the node', async () => {
    const u = await login(n1.url, 'Roamer')
    expect((await http(n2.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    const c = await TestClient.open(n2.wsUrl)
    expect(await c.request({ type: 'hello', token: u.token })).toMatchObject({ type: 'welcome', node: 'node-2' })
    c.close()
  })

  it("messages reach every connection that joined, on every node, the sender's other node included", async () => {
    const alice = await login(n1.url, 'Alice')
    const bob = await login(n2.url, 'Bob')
    const a1 = await joinedClient(n1, alice.token, 'mn-chat')
    const a2 = await joinedClient(n2, alice.token, 'mn-chat')
    const b2 = await joinedClient(n2, bob.token, 'mn-chat')
    const ack = await sendText(a1, 'mn-chat', 'from node 1')
    for (const c of [a1, a2, b2]) {
      const m = await c.waitFor((f) => f.type === 'message' && f.msg.seq === ack.seq, 10_000)
      expect(m.msg).toMatchObject({ seq: ack.seq, from: alice.user, body: { text: 'from node 1' } })
    }
    for (const c of [a1, a2, b2]) c.close()
  })

  it('seq is gap-free across nodes, and each connection gets the room in seq order', async () => {
    const users = await Promise.all(['X', 'Y'].map((n) => login(n1.url, n)))
    const x = await joinedClient(n1, users[0].token, 'mn-race')
    const y = await joinedClient(n2, users[1].token, 'mn-race')
    const per = 25
    for (let k = 0; k < per; k++) {
      x.send({ type: 'send', id: `x${k}`, room: 'mn-race', cid: cid(), kind: 'like', body: {} })
      y.send({ type: 'send', id: `y${k}`, room: 'mn-race', cid: cid(), kind: 'like', body: {} })
    }
    const acks = [
      ...(await x.waitCount((f) => f.type === 'ack', per, 20_000)),
      ...(await y.waitCount((f) => f.type === 'ack', per, 20_000)),
    ]
    expect(acks.map((a) => a.seq).sort((p, q) => p - q)).toEqual(range(1, 2 * per))
    for (const c of [x, y]) {
      const got = await c.waitCount((f) => f.type === 'message' && f.room === 'mn-race', 2 * per, 20_000)
      expect(seqs(got.map((f) => f.msg))).toEqual(range(1, 2 * per))
    }
    x.close()
    y.close()
  })

  it('the dedupe key holds across nodes and across socket/HTTP', async () => {
    const u = await login(n1.url, 'Retrier')
    const c1 = await joinedClient(n1, u.token, 'mn-dedupe')
    const k = cid()
    const first = await c1.request({ type: 'send', room: 'mn-dedupe', cid: k, kind: 'text', body: { text: 'once' } })
    const c2 = await joinedClient(n2, u.token, 'mn-dedupe')
    expect(await c2.request({ type: 'send', room: 'mn-dedupe', cid: k, kind: 'text', body: { text: 'twice?' } })).toMatchObject({
      type: 'ack',
      seq: first.seq,
      ts: first.ts,
    })
    expect((await http(n2.url, 'POST', '/api/rooms/mn-dedupe/messages', { cid: k, kind: 'like', body: {} }, u.token)).body).toMatchObject({
      seq: first.seq,
    })
    const h = await c2.request({ type: 'history', room: 'mn-dedupe', after: 0 })
    expect(h.messages).toHaveLength(1)
    c1.close()
    c2.close()
  })

  it('presence: online/offline across nodes, a second tab on the other node says nothing, GET /online sees all nodes', async () => {
    const watcher = await login(n1.url, 'Watcher')
    const roamer = await login(n1.url, 'Roamer')
    const w = await joinedClient(n1, watcher.token, 'mn-presence')
    const r2 = await joinedClient(n2, roamer.token, 'mn-presence')
    expect(await w.waitFor((f) => f.type === 'presence' && f.user.id === roamer.user.id && f.status === 'online', 10_000)).toMatchObject({
      room: 'mn-presence',
      user: roamer.user,
    })
    expect(await onlineIds(n1, 'mn-presence', watcher.token)).toEqual([watcher.user.id, roamer.user.id].sort())
    expect(await onlineIds(n2, 'mn-presence', watcher.token)).toEqual([watcher.user.id, roamer.user.id].sort())
    const j = await (await joinedClient(n2, watcher.token)).request({ type: 'join', room: 'mn-presence' })
    expect(j.online.map((u: any) => u.id).sort()).toEqual([watcher.user.id, roamer.user.id].sort())

    const r1 = await joinedClient(n1, roamer.token, 'mn-presence') // second tab, other node
    r2.close()
    await r2.waitClose()
    // Through a message written after both events: no offline for the roamer yet.
    const { seq } = await sendText(r1, 'mn-presence', 'still here')
    await w.waitFor((f) => f.type === 'message' && f.msg.seq === seq, 10_000)
    const pres = (status: string) => w.frames.filter((f) => f.type === 'presence' && f.user.id === roamer.user.id && f.status === status)
    expect(pres('online')).toHaveLength(1)
    expect(pres('offline')).toHaveLength(0)
    r1.close()
    await w.waitFor(() => pres('offline').length === 1, 10_000)
    await expect.poll(() => onlineIds(n2, 'mn-presence', watcher.token), { timeout: 10_000 }).toEqual([watcher.user.id])
    w.close()
  })

  it('typing, read and recalled reach the other node', async () => {
    const a = await login(n1.url, 'A')
    const b = await login(n1.url, 'B')
    const ca = await joinedClient(n1, a.token, 'mn-events')
    const cb = await joinedClient(n2, b.token, 'mn-events')
    ca.send({ type: 'typing', room: 'mn-events' })
    expect(await cb.waitFor((f) => f.type === 'typing', 10_000)).toEqual({ type: 'typing', room: 'mn-events', user: a.user })
    const { seq } = await sendText(ca, 'mn-events', 'read me')
    cb.send({ type: 'read', room: 'mn-events', seq })
    expect(await ca.waitFor((f) => f.type === 'read', 10_000)).toEqual({ type: 'read', room: 'mn-events', user: b.user.id, seq })
    await ca.request({ type: 'recall', room: 'mn-events', seq })
    expect(await cb.waitFor((f) => f.type === 'recalled', 10_000)).toEqual({ type: 'recalled', room: 'mn-events', seq, by: a.user.id })
    ca.close()
    cb.close()
  })

  it("a kick reaches the user's connections on every node; a ban closes them on every node with 4003", async () => {
    const owner = await login(n1.url, 'Owner')
    const target = await login(n1.url, 'Target')
    expect((await http(n1.url, 'POST', '/api/rooms', { id: 'mn-mod', title: 't' }, owner.token)).status).toBe(201)
    const o = await joinedClient(n1, owner.token, 'mn-mod')
    const t1 = await joinedClient(n1, target.token, 'mn-mod')
    const t2 = await joinedClient(n2, target.token, 'mn-mod')
    expect((await http(n1.url, 'POST', '/api/rooms/mn-mod/kicks', { userId: target.user.id, seconds: 600 }, owner.token)).status).toBe(204)
    for (const c of [t1, t2]) expect(await c.waitFor((f) => f.type === 'kicked', 10_000)).toEqual({ type: 'kicked', room: 'mn-mod' })
    const probe = await joinedClient(n2, owner.token, 'mn-mod') // a live member on node 2
    const { seq } = await sendText(o, 'mn-mod', 'after the kick')
    await probe.waitFor((f) => f.type === 'message' && f.msg.seq === seq, 10_000)
    await barrier(t2)
    expect(t2.messages('mn-mod').some((m) => m.seq === seq)).toBe(false)
    expect(await t2.request({ type: 'join', room: 'mn-mod' })).toMatchObject({ code: 'forbidden' })

    expect((await http(n2.url, 'POST', '/api/admin/bans', { userId: target.user.id }, ADMIN_TOKEN)).status).toBe(204)
    expect(await t1.waitClose()).toBe(4003)
    expect(await t2.waitClose()).toBe(4003)
    expectError(await http(n1.url, 'GET', '/api/me', undefined, target.token), 'forbidden')
    expect((await http(n1.url, 'DELETE', `/api/admin/bans/${target.user.id}`, undefined, ADMIN_TOKEN)).status).toBe(204)
    expect((await http(n2.url, 'GET', '/api/me', undefined, target.token)).status).toBe(200)
    o.close()
    probe.close()
  })

  it('a reader joining on node 2 in the middle of a stream from node 1 gets an ordered, gap-free tail', async () => {
    const w = await login(n1.url, 'Streamer')
    const r = await login(n2.url, 'Viewer')
    const wc = await joinedClient(n1, w.token, 'mn-stream')
    const total = 300
    const done = (async () => {
      for (let sent = 0; sent < total; ) {
        for (let k = 0; k < 5; k++, sent++)
          wc.send({ type: 'send', id: `st${sent}`, room: 'mn-stream', cid: cid(), kind: 'like', body: {} })
        await wc.waitCount((f) => f.type === 'ack', sent, 20_000)
      }
    })()
    await wc.waitFor((f) => f.type === 'ack' && f.seq >= 40, 20_000)
    const rc = await TestClient.connect(n2.wsUrl, r.token)
    const j = await rc.request({ type: 'join', room: 'mn-stream' })
    await done
    if (j.lastSeq < total) await rc.waitFor((f) => f.type === 'message' && f.msg.seq === total, 20_000)
    const at = rc.frames.indexOf(j)
    const pushes = rc.frames
      .slice(at + 1)
      .filter((f) => f.type === 'message')
      .map((f) => f.msg.seq)
    expect(pushes).toEqual(range(j.lastSeq + 1, total))
    wc.close()
    rc.close()
  })

  it('an upload made through one node is an upload of the deployment (shared DATA_DIR): served by and accepted on the other node', async () => {
    const u = await login(n1.url, 'Photographer')
    const form = new FormData()
    form.append(
      'file',
      new Blob([Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')], { type: 'image/gif' }),
      'dot.gif',
    )
    const res = await fetch(`${n1.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${u.token}` } })
    expect(res.status).toBe(201)
    const { url } = (await res.json()) as { url: string }
    // Behind a load balancer the next request may reach any node.
    expect((await fetch(n2.url + url)).status).toBe(200)
    const c2 = await joinedClient(n2, u.token, 'mn-photos')
    expect(await c2.request({ type: 'send', room: 'mn-photos', cid: cid(), kind: 'image', body: { url } })).toMatchObject({ type: 'ack' })
    c2.close()
  })

  it('membership made on one node is listed by the other; a resume on the other node carries on', async () => {
    const u = await login(n1.url, 'Mover')
    const c1 = await joinedClient(n1, u.token, 'mn-move')
    await sendText(c1, 'mn-move', 'one')
    c1.close()
    expect((await http(n2.url, 'GET', '/api/rooms', undefined, u.token)).body.map((r: any) => r.id)).toEqual(['mn-move'])
    const c2 = await TestClient.open(n2.wsUrl)
    c2.send({ type: 'hello', token: u.token, resume: { 'mn-move': 0 } })
    const j = await c2.waitFor((f) => f.type === 'joined')
    expect(seqs(j.messages)).toEqual([1])
    expect((await sendText(c2, 'mn-move', 'two')).seq).toBe(2)
    c2.close()
  })
})
