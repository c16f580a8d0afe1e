/**
 * Postgres goes away for a few seconds (the nodes reach it through a TCP proxy the test
 * cuts): sends get `unavailable`, nothing is half-stored, /readyz says 503 within 5 s and
 * 200 within 5 s of the way back, and the service resumes by itself — clients retrying with
 * the same cid end with every message exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatMember, expectExactlyOnce } from '../helpers/chat-member'
import { cid, http, login, TestClient } from '../helpers/client'
import { metric, startCluster, until, type TestCluster } from '../helpers/cluster'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy'

let c: TestCluster
let proxy: TcpProxy
beforeAll(async () => {
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 })
  c = await startCluster({
    nodes: 2,
    env: { SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000' },
    databaseUrl: (db) => {
      const u = new URL(db.url)
      u.port = String(proxy.port)
      return u.toString()
    },
  })
})
afterAll(async () => {
  await c?.stop()
  await proxy?.close()
})

const ready = async (url: string) => (await http(url, 'GET', '/readyz')).status

describe('Postgres briefly unavailable', () => {
  it('sends get unavailable, /readyz follows, nothing is half-stored, and everything resumes by itself', async () => {
    const room = `pg-${Math.random().toString(36).slice(2, 8)}`
    const live = () => c.nodes.map((n) => n.wsUrl)
    const members: ChatMember[] = []
    for (let i = 0; i < 4; i++) {
      const u = await login(c.nodes[i % 2].url, `P${i}`)
      // A real client retries `unavailable` later with the same cid; nothing else may fail.
      members.push(new ChatMember(`P${i}`, u.token, u.user.id, live, { autoReconnect: true, retryErrors: ['unavailable'] }))
    }
    await Promise.all(members.map((m, i) => m.start([room], i % 2)))
    const poster = members[0]

    let sending = true
    const senders = members.map(async (m) => {
      for (let k = 0; sending; k++) {
        m.send(room, `${m.name} #${k}`)
        await new Promise((r) => setTimeout(r, 25 + Math.random() * 25))
      }
    })
    const acked = () => members.reduce((n, m) => n + [...m.outbox.values()].filter((o) => o.seq !== undefined).length, 0)
    await until('a first batch acked', () => acked() >= 40, 30_000)

    try {
      await proxy.cut()
      // The contract: /readyz turns 503 within 5 s of a dependency failing (and 200 within 5 s of its return).
      for (const n of c.nodes) await until(`${n.id} /readyz 503`, async () => (await ready(n.url)) === 503, 5_000)
      await until(
        'sends answered unavailable',
        () => members.every((m) => [...m.outbox.values()].some((o) => o.errors.includes('unavailable'))),
        10_000,
      )
      const viaHttp = await http(
        c.nodes[1].url,
        'POST',
        `/api/rooms/${room}/messages`,
        { cid: cid(), kind: 'like', body: {} },
        poster.token,
      )
      expect(viaHttp).toMatchObject({ status: 503, body: { error: 'unavailable' } })
      // /healthz stays 200: the process is up, only not ready.
      expect((await http(c.nodes[0].url, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await proxy.restore()
    }
    for (const n of c.nodes) await until(`${n.id} /readyz 200`, async () => (await ready(n.url)) === 200, 5_000)
    const resumedAt = acked()
    await until('sends acked again', () => acked() >= resumedAt + 40, 20_000)
    sending = false
    await Promise.all(senders)

    const state = () =>
      members
        .map(
          (m) =>
            `${m.name}@${m.node} held ${m.held(room)} got ${m.got.get(room)?.size} unacked ${m.unacked().length} v ${m.violations.slice(0, 3)}`,
        )
        .join('\n')
    try {
      await until('every send acked', () => members.every((m) => m.unacked().length === 0), 30_000)
      await until('every member holding every message', () => members.every((m) => m.held(room) === acked()), 20_000)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${state()}`)
    }
    await new Promise((r) => setTimeout(r, 500))

    const total = acked()
    expectExactlyOnce(members, room, total)
    for (const n of c.nodes) expect(await metric(n.url, 'chat_store_errors_total'), n.id).toBeGreaterThan(0)
    // Nothing half-stored: one row per acked message, no seq taken without its row.
    const { rows } = await c.db.query<{ n: string; cids: string; max: string; last: string }>(
      `select count(*) as n, count(distinct (sender_id, cid)) as cids, max(seq) as max,
              (select last_seq from rooms where id = $1) as last
         from messages where room_id = $1`,
      [room],
    )
    expect(rows[0]).toEqual({ n: String(total), cids: String(total), max: String(total), last: String(total) })
    for (const m of members) m.close()
  }, 120_000)

  it('new logins, joins and sends work on every node after the outage', async () => {
    const room = `pg-after-${Math.random().toString(36).slice(2, 8)}`
    for (const n of c.nodes) {
      const u = await login(n.url, `After-${n.id}`)
      const t = await TestClient.connect(n.wsUrl, u.token)
      await t.request({ type: 'join', room })
      const ack = await t.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: n.id } })
      expect(ack.type).toBe('ack')
      t.close()
    }
    const { rows } = await c.db.query<{ n: string }>('select count(*) as n from messages where room_id = $1', [room])
    expect(rows[0].n).toBe(String(c.nodes.length))
  })
})
