/**
 * Kicks, bans, rate limits and connection caps hold across nodes: whichever node a request
 * lands on, and whichever nodes the target's sockets are on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, TestClient } from '../helpers/client'
import { startCluster, until, type TestCluster } from '../helpers/cluster'

const ADMIN = 'cluster-admin-token-0123456789'
let c: TestCluster
beforeAll(async () => {
  c = await startCluster({
    nodes: 3,
    env: { ADMIN_TOKEN: ADMIN, SEND_RATE_LIMIT: '5', SEND_RATE_WINDOW_MS: '60000', MAX_CONNS_PER_USER: '3' },
  })
})
afterAll(async () => {
  await c?.stop()
})
const rid = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`

describe('moderation across nodes', () => {
  it('a kick on one node reaches the kicked user on every node; the others carry on', async () => {
    const [n1, n2, n3] = c.nodes
    const owner = await login(n1.url, 'Owner')
    const target = await login(n2.url, 'Target')
    const other = await login(n3.url, 'Other')
    const room = rid('kick')
    expect((await http(n1.url, 'POST', '/api/rooms', { id: room, title: 'Kick room' }, owner.token)).status).toBe(201)
    const o = await TestClient.connect(n1.wsUrl, owner.token)
    const t2 = await TestClient.connect(n2.wsUrl, target.token)
    const t3 = await TestClient.connect(n3.wsUrl, target.token)
    const m = await TestClient.connect(n3.wsUrl, other.token)
    for (const x of [o, t2, t3, m]) await x.request({ type: 'join', room })

    expect((await http(n1.url, 'POST', `/api/rooms/${room}/kicks`, { userId: target.user.id, seconds: 60 }, owner.token)).status).toBe(204)
    await t2.waitFor((f) => f.type === 'kicked' && f.room === room)
    await t3.waitFor((f) => f.type === 'kicked' && f.room === room)

    await o.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'after the kick' } })
    await m.waitFor((f) => f.type === 'message' && f.msg.body.text === 'after the kick')
    await new Promise((r) => setTimeout(r, 300))
    for (const t of [t2, t3]) expect(t.messages(room)).toEqual([])
    expect(await t3.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'x' } })).toMatchObject({
      type: 'error',
      code: 'not_joined',
    })
    expect(await t2.request({ type: 'join', room })).toMatchObject({ type: 'error', code: 'forbidden' })
    const rooms = await http(n3.url, 'GET', '/api/rooms', undefined, target.token)
    expect(rooms.body.map((r: any) => r.id)).not.toContain(room)
    for (const x of [o, t2, t3, m]) x.close()
  })

  it('a ban on one node closes the user everywhere with 4003 and its token stops working on every node', async () => {
    const [n1, n2, n3] = c.nodes
    const bad = await login(n2.url, 'Banned')
    const s2 = await TestClient.connect(n2.wsUrl, bad.token)
    const s3 = await TestClient.connect(n3.wsUrl, bad.token)
    expect((await http(n1.url, 'POST', '/api/admin/bans', { userId: bad.user.id }, ADMIN)).status).toBe(204)
    expect(await s2.waitClose()).toBe(4003)
    expect(await s3.waitClose()).toBe(4003)
    for (const n of c.nodes) expect((await http(n.url, 'GET', '/api/me', undefined, bad.token)).status).toBe(403)
    const again = await TestClient.open(n3.wsUrl)
    again.send({ type: 'hello', token: bad.token })
    expect(await again.waitClose()).toBe(4003)

    expect((await http(n3.url, 'DELETE', `/api/admin/bans/${bad.user.id}`, undefined, ADMIN)).status).toBe(204)
    expect((await http(n1.url, 'GET', '/api/me', undefined, bad.token)).status).toBe(200)
  })
})

describe('limits across nodes', () => {
  it("the send rate limit counts a user's sends on every node together", async () => {
    const u = await login(c.nodes[0].url, 'Chatty')
    const room = rid('rate')
    const socks = await Promise.all(c.nodes.map((n) => TestClient.connect(n.wsUrl, u.token)))
    for (const s of socks) await s.request({ type: 'join', room })
    const replies = []
    for (let i = 0; i < 3; i++)
      for (const s of socks) replies.push(await s.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: `${i}` } }))
    expect(replies.filter((r) => r.type === 'ack')).toHaveLength(5)
    expect(replies.filter((r) => r.type === 'error').map((r) => r.code)).toEqual([
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ])
    // Over HTTP on any node too.
    const viaHttp = await http(c.nodes[2].url, 'POST', `/api/rooms/${room}/messages`, { cid: cid(), kind: 'like', body: {} }, u.token)
    expect(viaHttp).toMatchObject({ status: 429, body: { error: 'rate_limited' } })
    for (const s of socks) s.close()
  })

  it("a user's connections are capped across nodes (4008), and a closed one frees its place", async () => {
    const u = await login(c.nodes[0].url, 'Tabs')
    const [n1, n2, n3] = c.nodes
    const open = [
      await TestClient.connect(n1.wsUrl, u.token),
      await TestClient.connect(n2.wsUrl, u.token),
      await TestClient.connect(n3.wsUrl, u.token),
    ]
    for (const n of [n1, n2]) {
      const extra = await TestClient.open(n.wsUrl)
      extra.send({ type: 'hello', token: u.token })
      expect(await extra.waitClose()).toBe(4008)
    }
    // Another user is not affected.
    const other = await login(n1.url, 'NotTabs')
    ;(await TestClient.connect(n1.wsUrl, other.token)).close()

    open[2].close()
    await open[2].waitClose()
    await until(
      'a fourth socket accepted once one closed',
      async () => {
        const t = await TestClient.open(n2.wsUrl)
        const welcome = await t.request({ type: 'hello', token: u.token }, 2000).catch(() => null)
        if (welcome?.type === 'welcome') {
          open.push(t)
          return true
        }
        t.close()
        return false
      },
      10_000,
      200,
    )
    for (const s of open) s.close()
  })
})
