// §3.6 close codes not covered elsewhere: 4008 (too many connections for this user) and
// 4009 (the client does not read fast enough). The server's settings are lowered so the
// limits are reachable; nothing here measures speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, joinedClient, login, seqs, range, TestClient, type TestServer } from './support'
import { startServer } from '../helpers/app'

describe('4008: too many connections for this user', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({ MAX_CONNS_PER_USER: '2' })
  })
  afterAll(async () => {
    await s?.close()
  })

  it('closes the connection over the cap with 4008; the others stay open, and another user is not affected', async () => {
    const u = await login(s.url, 'Tabs')
    const other = await login(s.url, 'Other')
    const a = await TestClient.connect(s.wsUrl, u.token)
    const b = await TestClient.connect(s.wsUrl, u.token)
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: u.token })
    expect(await c.waitClose()).toBe(4008)
    expect(c.frames.some((f) => f.type === 'welcome')).toBe(false)
    for (const x of [a, b]) expect(await x.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    const d = await TestClient.connect(s.wsUrl, other.token)
    d.close()
    a.close()
    b.close()
  })
})

describe('4009: a client that stops reading', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({ MAX_SEND_BUFFER_BYTES: String(64 * 1024), SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000' })
  })
  afterAll(async () => {
    await s?.close()
  })

  /** Reads the 4009 counter the server exposes on /metrics (used only to know when to read again). */
  async function slowClosed(): Promise<number> {
    const r = await http(s.url, 'GET', '/metrics')
    const m = /^chat_slow_consumers_total(?:\{[^}]*\})? (\d+)/m.exec(typeof r.body === 'string' ? r.body : '')
    return m ? Number(m[1]) : 0
  }

  it('closes it with 4009 once its send buffer passes the limit; nothing is lost for the others', async () => {
    const writer = await login(s.url, 'Flood')
    const reader = await login(s.url, 'Sleepy')
    const w = await joinedClient(s, writer.token, 'flood')
    const r = await joinedClient(s, reader.token, 'flood')
    const tcp = (r.ws as any)._socket as import('node:net').Socket
    tcp.pause() // stop reading: the kernel buffers fill, then the server's

    const before = await slowClosed()
    const text = '满'.repeat(4000) // ~12 KB per push
    let sent = 0
    for (let batch = 0; batch < 100 && (await slowClosed()) === before; batch++) {
      for (let k = 0; k < 10; k++, sent++) w.send({ type: 'send', id: `f${sent}`, room: 'flood', cid: cid(), kind: 'text', body: { text } })
      await w.waitCount((f) => f.type === 'ack', sent, 20_000)
    }
    tcp.resume()
    expect(await r.waitClose()).toBe(4009)
    // The writer got every ack and every message, in order.
    const mine = await w.waitCount((f) => f.type === 'message' && f.room === 'flood', sent, 20_000)
    expect(seqs(mine.map((f) => f.msg))).toEqual(range(1, sent))
    // The slow client reconnects and resumes (a small tail: one joined frame must fit the
    // lowered 64 KiB buffer of this server).
    const back = await TestClient.open(s.wsUrl)
    back.send({ type: 'hello', token: reader.token, resume: { flood: sent - 3 } })
    const j = await back.waitFor((f) => f.type === 'joined')
    expect({ last: j.lastSeq, s: seqs(j.messages) }).toEqual({ last: sent, s: range(sent - 2, sent) })
    back.close()
    w.close()
  }, 60_000)
})
