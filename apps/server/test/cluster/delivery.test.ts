/**
 * Three server processes sharing Postgres and Redis behave as one server: messages, presence,
 * /online and room events cross nodes, and concurrent sends from every node get one gap-free
 * seq sequence that every member receives exactly once, in order.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatMember } from '../helpers/chat-member'
import { cid, http, login, TestClient } from '../helpers/client'
import { metric, startCluster, until, type TestCluster } from '../helpers/cluster'
import { migrations } from '../../src/store/migrations'

let c: TestCluster
const rid = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`

beforeAll(async () => {
  // The tail check is slowed right down: everything here must work by pub/sub and gap fill alone.
  c = await startCluster({ nodes: 3, env: { SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000', TAIL_CHECK_MS: '600000' } })
})
afterAll(async () => {
  await c?.stop()
})

describe('three nodes, one room', () => {
  it('started three nodes against one fresh database (migrations ran once, concurrently)', async () => {
    const { rows } = await c.db.query<{ name: string }>('select name from kysely_migration order by name')
    // Each migration the server ships, once (0002 and later ones appended after it).
    expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations('postgres')).sort())
    for (const n of c.nodes) {
      const r = await http(n.url, 'GET', '/readyz')
      expect(r.status).toBe(200)
      expect(r.body.node).toBe(n.id)
    }
  })

  it('delivers across nodes: a message sent on one node reaches members on the others, with presence and /online', async () => {
    const [n1, n2, n3] = c.nodes
    const room = rid('cross')
    const alice = await login(n1.url, 'Alice')
    const bob = await login(n2.url, 'Bob') // tokens work on every node (shared JWT_SECRET)
    const a = await TestClient.connect(n1.wsUrl, alice.token)
    const b = await TestClient.connect(n2.wsUrl, bob.token)
    expect((await a.request({ type: 'ping' })).type).toBe('pong')
    await a.request({ type: 'join', room })
    const jb = await b.request({ type: 'join', room })
    expect(jb.online.map((u: any) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort())
    await a.waitFor((f) => f.type === 'presence' && f.user.id === bob.user.id && f.status === 'online')

    const online = await http(n3.url, 'GET', `/api/rooms/${room}/online`, undefined, alice.token)
    expect(online.status).toBe(200)
    expect(online.body.map((u: any) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort())

    const ack = await a.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'hi from n1' } })
    expect(ack).toMatchObject({ type: 'ack', seq: 1 })
    const got = await b.waitFor((f) => f.type === 'message' && f.room === room)
    expect(got.msg).toMatchObject({ seq: 1, from: alice.user, body: { text: 'hi from n1' } })

    // An HTTP send on a third node reaches both sockets.
    const viaHttp = await http(n3.url, 'POST', `/api/rooms/${room}/messages`, { cid: cid(), kind: 'like', body: {} }, bob.token)
    expect(viaHttp.body.seq).toBe(2)
    await a.waitFor((f) => f.type === 'message' && f.msg.seq === 2)
    await b.waitFor((f) => f.type === 'message' && f.msg.seq === 2)

    // Typing, read and recall cross nodes too.
    b.send({ type: 'typing', room })
    await a.waitFor((f) => f.type === 'typing' && f.user.id === bob.user.id)
    b.send({ type: 'read', room, seq: 2 })
    await a.waitFor((f) => f.type === 'read' && f.user === bob.user.id && f.seq === 2)
    const recalled = await a.request({ type: 'recall', room, seq: 1 })
    expect(recalled).toMatchObject({ type: 'recalled', seq: 1, by: alice.user.id })
    await b.waitFor((f) => f.type === 'recalled' && f.seq === 1)

    b.close()
    await a.waitFor((f) => f.type === 'presence' && f.user.id === bob.user.id && f.status === 'offline')
    await until('/online without Bob', async () => {
      const r = await http(n2.url, 'GET', `/api/rooms/${room}/online`, undefined, alice.token)
      return r.body.length === 1 && r.body[0].id === alice.user.id
    })
    expect(a.messages(room).map((m) => m.seq)).toEqual([1, 2])
    a.close()
  })

  it('an image uploaded through one node is accepted in a message on another and served by every node', async () => {
    const [n1, n2, n3] = c.nodes
    const u = await login(n1.url, 'Painter')
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
    const form = new FormData()
    form.append('file', new Blob([png], { type: 'image/png' }), 'dot.png')
    const up = await fetch(`${n1.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${u.token}` } })
    expect(up.status).toBe(201)
    const { url } = (await up.json()) as { url: string }
    const room = rid('img')
    const t = await TestClient.connect(n2.wsUrl, u.token)
    await t.request({ type: 'join', room })
    const ack = await t.request({ type: 'send', room, cid: cid(), kind: 'image', body: { url, width: 1, height: 1 } })
    expect(ack.type).toBe('ack')
    for (const n of [n1, n2, n3]) {
      const r = await fetch(n.url + url)
      expect(r.status).toBe(200)
      expect(Buffer.from(await r.arrayBuffer())).toEqual(png)
    }
    t.close()
  })

  it('a user with a socket on two nodes goes offline only when the last one closes', async () => {
    const [n1, n2] = c.nodes
    const room = rid('twotabs')
    const watcher = await login(n1.url, 'Watcher')
    const carol = await login(n1.url, 'Carol')
    const w = await TestClient.connect(n1.wsUrl, watcher.token)
    await w.request({ type: 'join', room })
    const tab1 = await TestClient.connect(n1.wsUrl, carol.token)
    const tab2 = await TestClient.connect(n2.wsUrl, carol.token)
    await tab1.request({ type: 'join', room })
    await tab2.request({ type: 'join', room })
    tab1.close()
    await tab1.waitClose()
    // Carol is still online through n2: no offline, and /online keeps her.
    await new Promise((r) => setTimeout(r, 300))
    expect(w.frames.filter((f) => f.type === 'presence' && f.user.id === carol.user.id).map((f) => f.status)).toEqual(['online'])
    const r = await http(n1.url, 'GET', `/api/rooms/${room}/online`, undefined, watcher.token)
    expect(r.body.map((u: any) => u.id).sort()).toEqual([carol.user.id, watcher.user.id].sort())
    tab2.close()
    await w.waitFor((f) => f.type === 'presence' && f.user.id === carol.user.id && f.status === 'offline')
    w.close()
  })

  it('10 clients on 3 nodes send 1000 messages at once: seqs 1..1000, each exactly once, in order, at every member', async () => {
    const room = rid('storm')
    const members: ChatMember[] = []
    for (let i = 0; i < 10; i++) {
      const node = c.nodes[i % 3]
      const u = await login(node.url, `M${i}`)
      members.push(new ChatMember(`M${i}`, u.token, u.user.id, () => [node.wsUrl]))
    }
    await Promise.all(members.map((m) => m.start([room])))
    for (let k = 0; k < 100; k++) for (const m of members) m.send(room, `${m.name} #${k}`)

    await until('every send acked', () => members.every((m) => m.unacked().length === 0), 60_000)
    await until('every member holding 1000', () => members.every((m) => m.held(room) === 1000), 30_000)
    await new Promise((r) => setTimeout(r, 300)) // anything extra would arrive now

    const acked = members.flatMap((m) => [...m.outbox.values()])
    expect(acked.map((o) => o.seq).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
    const bySeq = new Map(acked.map((o) => [o.seq!, o.cid]))
    for (const m of members) {
      expect(m.violations).toEqual([])
      expect(m.redelivered).toBe(0)
      expect(m.seqs(room)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
      for (const [seq, msg] of m.got.get(room)!) expect(msg.cid).toBe(bySeq.get(seq))
      // Each sender's own messages arrive in the order it sent them.
      const own = m
        .seqs(room)
        .map((s) => m.got.get(room)!.get(s)!)
        .filter((x) => x.from.id === m.userId)
      expect(own.map((x) => x.body.text)).toEqual(Array.from({ length: 100 }, (_, k) => `${m.name} #${k}`))
      m.close()
    }
    const { rows } = await c.db.query<{ n: string; max: string }>(
      'select count(*) as n, max(seq) as max from messages where room_id = $1',
      [room],
    )
    expect(rows[0]).toEqual({ n: '1000', max: '1000' })
  })

  it('a node that sees seq N+2 before N+1 reads N+1 from the store and delivers both, in order', async () => {
    const n = c.nodes[1]
    const room = rid('gap')
    const u = await login(n.url, 'GapWatcher')
    const w = await TestClient.connect(n.wsUrl, u.token)
    await w.request({ type: 'join', room })
    await w.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'one' } })
    await w.waitFor((f) => f.type === 'message' && f.msg.seq === 1)
    // Seqs 2 and 3 are stored as a node would store them; only 3 is published (2's frame is
    // lost). With the tail check 10 minutes away, only the gap fill can bring 2.
    const from = { id: u.user.id, name: u.user.name, avatar: u.user.avatar }
    const msg = (seq: number) => ({ room, seq, cid: `forged-${seq}-cid`, from, kind: 'text', body: { text: `#${seq}` }, ts: Date.now() })
    for (const seq of [2, 3]) {
      await c.db.query(
        `with bump as (update rooms set last_seq = last_seq + 1 where id = $1 returning last_seq)
         insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled)
         select $1, last_seq, $2, $3, 'text', $4, $5, 0 from bump`,
        [room, u.user.id, `forged-${seq}-cid`, JSON.stringify({ text: `#${seq}` }), Date.now()],
      )
    }
    const r = new Redis(c.redis.port, '127.0.0.1')
    try {
      await r.publish(`chat:room:${room}`, JSON.stringify({ o: 'another-node', k: 'm', m: msg(3) }))
    } finally {
      r.disconnect()
    }
    await w.waitFor((f) => f.type === 'message' && f.msg.seq === 3, 10_000)
    expect(w.messages(room).map((m) => [m.seq, m.body.text])).toEqual([
      [1, 'one'],
      [2, '#2'],
      [3, '#3'],
    ])
    w.close()
  })

  it('counts open sockets per node in chat_connections', async () => {
    const n = c.nodes[2]
    const before = await metric(n.url, 'chat_connections')
    const u = await login(n.url, 'Gauge')
    const socks = [await TestClient.connect(n.wsUrl, u.token), await TestClient.connect(n.wsUrl, u.token)]
    expect(await metric(n.url, 'chat_connections')).toBe(before + 2)
    for (const s of socks) s.close()
    await until('gauge back down', async () => (await metric(n.url, 'chat_connections')) === before)
  })

  it('exposes Prometheus metrics on every node, counting what went through it', async () => {
    for (const n of c.nodes) {
      const r = await fetch(`${n.url}/metrics`)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toContain('text/plain')
      const text = await r.text()
      const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
      for (const name of [
        'chat_connections',
        'chat_joins_total',
        'chat_messages_stored_total',
        'chat_deliveries_total',
        'chat_broker_errors_total',
        'chat_store_errors_total',
        'chat_redis_errors_total',
        'chat_send_ack_seconds_count',
      ]) {
        expect(value(name), name).not.toBeNaN()
      }
      expect(text).toContain(`node="${n.id}"`)
      // The storm above: every node stored some, delivered many and timed its acks.
      expect(value('chat_messages_stored_total')).toBeGreaterThan(100)
      expect(value('chat_deliveries_total')).toBeGreaterThanOrEqual(3000)
      expect(value('chat_send_ack_seconds_count')).toBeGreaterThan(100)
      expect(value('chat_joins_total')).toBeGreaterThanOrEqual(3)
    }
  })
})
