import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.close()
})

describe('join, send, ack, message', () => {
  it('delivers a message to every joined connection, the sender included, after the ack', async () => {
    const alice = await login(s.url, 'Alice')
    const bob = await login(s.url, 'Bob')
    const a = await TestClient.connect(s.wsUrl, alice.token)
    const b = await TestClient.connect(s.wsUrl, bob.token)
    const ja = await a.request({ type: 'join', room: 'lobby1' })
    expect(ja).toMatchObject({
      type: 'joined',
      room: { id: 'lobby1', title: 'lobby1', kind: 'group' },
      lastSeq: 0,
      messages: [],
      more: false,
    })
    expect(ja.online.map((u: any) => u.id)).toEqual([alice.user.id])
    const jb = await b.request({ type: 'join', room: 'lobby1' })
    expect(jb.online.map((u: any) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort())
    await a.waitFor((f) => f.type === 'presence' && f.user.id === bob.user.id && f.status === 'online')

    const c = cid()
    const ack = await a.request({ type: 'send', room: 'lobby1', cid: c, kind: 'text', body: { text: '  你好 👋 ' } })
    expect(ack).toMatchObject({ type: 'ack', room: 'lobby1', cid: c, seq: 1 })
    expect(typeof ack.ts).toBe('number')
    const ackIndex = a.frames.indexOf(ack)
    const mine = await a.waitFor((f) => f.type === 'message' && f.msg.seq === 1)
    expect(a.frames.indexOf(mine)).toBeGreaterThan(ackIndex)
    const theirs = await b.waitFor((f) => f.type === 'message' && f.msg.seq === 1)
    expect(theirs.msg).toEqual({
      room: 'lobby1',
      seq: 1,
      cid: c,
      from: alice.user,
      kind: 'text',
      body: { text: '你好 👋' },
      ts: ack.ts,
    })
    a.close()
    b.close()
  })

  it('answers a retry of the same cid with the original ack, whatever its body, and stores nothing twice', async () => {
    const u = await login(s.url, 'Retry')
    const a = await TestClient.connect(s.wsUrl, u.token)
    await a.request({ type: 'join', room: 'retry' })
    const c = cid()
    const first = await a.request({ type: 'send', room: 'retry', cid: c, kind: 'text', body: { text: 'one' } })
    const again = await a.request({ type: 'send', room: 'retry', cid: c, kind: 'text', body: { text: 'two' } })
    expect(again).toMatchObject({ type: 'ack', seq: first.seq, ts: first.ts, cid: c })
    const viaHttp = await http(s.url, 'POST', '/api/rooms/retry/messages', { cid: c, kind: 'like', body: {} }, u.token)
    expect(viaHttp).toMatchObject({ status: 200, body: { room: 'retry', cid: c, seq: first.seq, ts: first.ts } })
    const hist = await a.request({ type: 'history', room: 'retry', after: 0 })
    expect(hist.messages).toHaveLength(1)
    expect(hist.messages[0].body).toEqual({ text: 'one' })
    await new Promise((r) => setTimeout(r, 100))
    expect(a.messages('retry')).toHaveLength(1)
    a.close()
  })

  it("treats another sender's equal cid as a different message", async () => {
    const u1 = await login(s.url, 'U1')
    const u2 = await login(s.url, 'U2')
    const a = await TestClient.connect(s.wsUrl, u1.token)
    const b = await TestClient.connect(s.wsUrl, u2.token)
    await a.request({ type: 'join', room: 'samecid' })
    await b.request({ type: 'join', room: 'samecid' })
    const c = cid()
    const x = await a.request({ type: 'send', room: 'samecid', cid: c, kind: 'text', body: { text: 'a' } })
    const y = await b.request({ type: 'send', room: 'samecid', cid: c, kind: 'text', body: { text: 'b' } })
    expect([x.seq, y.seq]).toEqual([1, 2])
    a.close()
    b.close()
  })

  it('refuses sends, history, typing, read and recall in rooms not joined', async () => {
    const u = await login(s.url, 'Out')
    const a = await TestClient.connect(s.wsUrl, u.token)
    for (const f of [
      { type: 'send', room: 'elsewhere', cid: cid(), kind: 'text', body: { text: 'x' } },
      { type: 'history', room: 'elsewhere', after: 0 },
      { type: 'typing', room: 'elsewhere' },
      { type: 'read', room: 'elsewhere', seq: 1 },
      { type: 'recall', room: 'elsewhere', seq: 1 },
    ]) {
      expect(await a.request(f)).toMatchObject({ type: 'error', code: 'not_joined' })
    }
    expect(await a.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    a.close()
  })
})

describe('resume', () => {
  it('re-joins each resumed room with the messages missed while away', async () => {
    const alice = await login(s.url, 'Away')
    const bob = await login(s.url, 'Stay')
    const a = await TestClient.connect(s.wsUrl, alice.token)
    const b = await TestClient.connect(s.wsUrl, bob.token)
    await a.request({ type: 'join', room: 'res' })
    await b.request({ type: 'join', room: 'res' })
    await a.request({ type: 'send', room: 'res', cid: cid(), kind: 'text', body: { text: 'before' } })
    a.close()
    await a.waitClose()
    for (let i = 0; i < 3; i++) await b.request({ type: 'send', room: 'res', cid: cid(), kind: 'text', body: { text: `missed ${i}` } })
    const a2 = await TestClient.open(s.wsUrl)
    a2.send({ type: 'hello', id: 'h', token: alice.token, resume: { res: 1 } })
    const joined = await a2.waitFor((f) => f.type === 'joined')
    expect(joined.id).toBeUndefined()
    expect(joined.messages.map((m: any) => m.seq)).toEqual([2, 3, 4])
    expect(joined.lastSeq).toBe(4)
    await b.request({ type: 'send', room: 'res', cid: cid(), kind: 'text', body: { text: 'live' } })
    const live = await a2.waitFor((f) => f.type === 'message')
    expect(live.msg.seq).toBe(5)
    a2.close()
    b.close()
  })
})

describe('leave', () => {
  it("ends the membership and this connection's subscription; another tab stays in the room", async () => {
    const u = await login(s.url, 'Tabs')
    const other = await login(s.url, 'Other')
    const t1 = await TestClient.connect(s.wsUrl, u.token)
    const t2 = await TestClient.connect(s.wsUrl, u.token)
    const o = await TestClient.connect(s.wsUrl, other.token)
    for (const c of [t1, t2, o]) await c.request({ type: 'join', room: 'tabs' })
    expect(await t1.request({ type: 'leave', room: 'tabs' })).toMatchObject({ type: 'left', room: 'tabs' })
    expect((await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body.map((r: any) => r.id)).not.toContain('tabs')
    const sent = await o.request({ type: 'send', room: 'tabs', cid: cid(), kind: 'text', body: { text: 'after leave' } })
    await t2.waitFor((f) => f.type === 'message' && f.msg.seq === sent.seq)
    expect(t1.messages('tabs')).toHaveLength(0)
    // The remaining tab may still talk, and that keeps the user a member.
    expect(await t2.request({ type: 'send', room: 'tabs', cid: cid(), kind: 'text', body: { text: 'still here' } })).toMatchObject({
      type: 'ack',
    })
    expect((await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body.map((r: any) => r.id)).toContain('tabs')
    expect(await t1.request({ type: 'send', room: 'tabs', cid: cid(), kind: 'text', body: { text: 'x' } })).toMatchObject({
      type: 'error',
      code: 'not_joined',
    })
    for (const c of [t1, t2, o]) c.close()
  })
})
