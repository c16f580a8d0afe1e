/**
 * A node dies (kill -9) while messages flow: its clients reconnect to the other nodes with
 * `resume`, re-send what was not acked with the same cid, and every member ends with every
 * message exactly once. Messages the dead node stored but never published reach the other
 * nodes from the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatMember, expectExactlyOnce } from '../helpers/chat-member'
import { http, login, TestClient } from '../helpers/client'
import { startCluster, until, type TestCluster } from '../helpers/cluster'

let c: TestCluster
beforeAll(async () => {
  c = await startCluster({ nodes: 3, env: { SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000' } })
})
afterAll(async () => {
  await c?.stop()
})

describe('kill -9 of a node while messages flow', () => {
  it('its clients resume on other nodes and every member ends with every message exactly once', async () => {
    const room = `failover-${Math.random().toString(36).slice(2, 8)}`
    const [victim] = c.nodes
    const live = () => c.nodes.filter((n) => n.running).map((n) => n.wsUrl)
    const members: ChatMember[] = []
    for (let i = 0; i < 9; i++) {
      const u = await login(c.nodes[i % 3].url, `F${i}`)
      members.push(new ChatMember(`F${i}`, u.token, u.user.id, live, { autoReconnect: true }))
    }
    // Member i starts on node i % 3 (the list rotates from urlIndex).
    await Promise.all(members.map((m, i) => m.start([room], i % 3)))
    expect(members.filter((m) => m.node === victim.id)).toHaveLength(3)

    const perMember = 60
    let stop = false
    const senders = members.map(async (m) => {
      for (let k = 0; k < perMember && !stop; k++) {
        m.send(room, `${m.name} #${k}`)
        await new Promise((r) => setTimeout(r, 15 + Math.random() * 15))
      }
    })
    const acked = () => members.reduce((n, m) => n + [...m.outbox.values()].filter((o) => o.seq !== undefined).length, 0)
    await until('a first batch acked', () => acked() >= 120, 30_000)
    await victim.kill9()
    await Promise.all(senders)
    stop = true
    const total = members.length * perMember

    const state = () =>
      members
        .map(
          (m) =>
            `${m.name}@${m.node || '-'} held ${m.held(room)} got ${m.got.get(room)?.size} unacked ${m.unacked().length} conns ${m.connections} closes ${m.closes} v ${m.violations.slice(0, 3)}\n  ${JSON.stringify(m.frames.filter((f) => f.type === 'joined' || f.type === 'welcome' || f.type === 'error').map((f) => (f.type === 'joined' ? { j: f.lastSeq, more: f.more, first: f.messages[0]?.seq, last: f.messages.at(-1)?.seq, n: f.messages.length } : f)))}`,
        )
        .join('\n')
    try {
      await until('every send acked', () => members.every((m) => m.unacked().length === 0), 30_000)
      await until('every member holding every message', () => members.every((m) => m.held(room) === total), 20_000)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${state()}`)
    }
    await new Promise((r) => setTimeout(r, 500))

    expectExactlyOnce(members, room, total)
    // The victim's clients did move: a dropped socket (1006), then a second connection elsewhere.
    const moved = members.filter((m) => m.closes.includes(1006))
    expect(moved).toHaveLength(3)
    for (const m of moved) {
      expect(m.connections).toBeGreaterThanOrEqual(2)
      expect(m.node).not.toBe(victim.id)
    }
    const { rows } = await c.db.query<{ n: string; cids: string; max: string }>(
      'select count(*) as n, count(distinct cid) as cids, max(seq) as max from messages where room_id = $1',
      [room],
    )
    expect(rows[0]).toEqual({ n: String(total), cids: String(total), max: String(total) })
    for (const m of members) m.close()
  }, 90_000)

  it('a message stored by a node that died before publishing it reaches every member (tail check)', async () => {
    const [, n2, n3] = c.nodes
    const room = `unpublished-${Math.random().toString(36).slice(2, 8)}`
    const u2 = await login(n2.url, 'Tail2')
    const u3 = await login(n3.url, 'Tail3')
    const a = await TestClient.connect(n2.wsUrl, u2.token)
    const b = await TestClient.connect(n3.wsUrl, u3.token)
    await a.request({ type: 'join', room })
    await b.request({ type: 'join', room })
    // Stored exactly as a node stores a send — then that node is gone: no publish, no later seq.
    await c.db.query(
      `with bump as (update rooms set last_seq = last_seq + 1 where id = $1 returning last_seq)
       insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled)
       select $1, last_seq, $2, 'orphan-0001', 'text', $3, $4, 0 from bump`,
      [room, u2.user.id, JSON.stringify({ text: 'orphan' }), Date.now()],
    )
    for (const t of [a, b]) {
      const m = await t.waitFor((f) => f.type === 'message' && f.room === room, 10_000)
      expect(m.msg).toMatchObject({ seq: 1, cid: 'orphan-0001', body: { text: 'orphan' } })
    }
    a.close()
    b.close()
  })

  it('the dead node restarts and serves the room again, history included', async () => {
    const [victim] = c.nodes
    if (!victim.running) await victim.start()
    const room = `restart-${Math.random().toString(36).slice(2, 8)}`
    const u1 = await login(victim.url, 'Back')
    const u2 = await login(c.nodes[1].url, 'Other')
    const a = await TestClient.connect(victim.wsUrl, u1.token)
    const b = await TestClient.connect(c.nodes[1].wsUrl, u2.token)
    await a.request({ type: 'join', room })
    await b.request({ type: 'join', room })
    await b.request({ type: 'send', room, cid: 'restart-0001', kind: 'text', body: { text: 'x' } })
    await a.waitFor((f) => f.type === 'message' && f.msg.seq === 1)
    expect((await http(victim.url, 'GET', '/readyz')).status).toBe(200)
    a.close()
    b.close()
  })

  it("the dead node's users go offline for the others once its presence lease runs out", async () => {
    const [, n2, n3] = c.nodes
    const room = `ghost-${Math.random().toString(36).slice(2, 8)}`
    const watcherUser = await login(n2.url, 'Watcher')
    const ghostUser = await login(n3.url, 'Ghost')
    const w = await TestClient.connect(n2.wsUrl, watcherUser.token)
    await w.request({ type: 'join', room })
    const g = await TestClient.connect(n3.wsUrl, ghostUser.token)
    await g.request({ type: 'join', room })
    await w.waitFor((f) => f.type === 'presence' && f.user.id === ghostUser.user.id && f.status === 'online')
    await n3.kill9()
    // No goodbye from n3: the watcher learns from the reaper (lease 15 s + a heartbeat).
    await w.waitFor((f) => f.type === 'presence' && f.user.id === ghostUser.user.id && f.status === 'offline', 40_000)
    const online = await http(n2.url, 'GET', `/api/rooms/${room}/online`, undefined, watcherUser.token)
    expect(online.body.map((x: any) => x.id)).toEqual([watcherUser.user.id])
    w.close()
  }, 60_000)
})
