// Lines of v1.1 that the other suites left unchecked: the questions list's default page
// size (30) counted in questions, not messages; and reactions that never turn into messages
// (no seq, not in history, not unread, not lastMessage) with a flower `count` outside 1–99
// or not an integer refused; and every room action's audit entry as the operator reads it
// over GET /api/admin/audit (names, actor, room, target). One embedded SQLite server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { barrier, cid, http, joinedClient, login, roomEntry, startRoomy, type TestClient, type TestServer } from './support'

const ADMIN = 'spec-gaps-admin-token-0123456789'
let s: TestServer
beforeAll(async () => {
  s = await startRoomy({ ADMIN_TOKEN: ADMIN })
})
afterAll(async () => {
  await s.close()
})

describe('questions list paging (§C)', () => {
  it('limit defaults to 30 questions (other messages between them do not count); more says whether one is left', async () => {
    const t = await login(s.url, 'Teacher')
    const room = 'gap-questions'
    expect((await http(s.url, 'POST', '/api/rooms', { id: room, title: 'Q' }, t.token)).status).toBe(201)
    const c = await joinedClient(s, t.token, room)
    const asked: number[] = []
    for (let i = 0; i < 31; i++) {
      const q = await c.request({ type: 'send', room, cid: cid(), kind: 'question', body: { text: `q${i}` } })
      expect(q.type).toBe('ack')
      asked.push(q.seq)
      expect((await c.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: `t${i}` } })).type).toBe('ack')
    }
    const list = async (q: string) => {
      const r = await http(s.url, 'GET', `/api/rooms/${room}/questions${q}`, undefined, t.token)
      expect(r.status).toBe(200)
      return [r.body.questions.map((x: any) => x.seq), r.body.more]
    }
    expect(await list('')).toEqual([asked.slice(0, 30), true])
    expect(await list('?state=all')).toEqual([asked.slice(0, 30), true])
    expect(await list(`?after=${asked[29]}`)).toEqual([asked.slice(30), false])
    expect(await list('?limit=31')).toEqual([asked, false])
    expect(await list('?limit=100')).toEqual([asked, false])
    expect(await list('?limit=1')).toEqual([asked.slice(0, 1), true])
    c.close()
  })
})

describe('reactions are not messages (§B)', () => {
  it('no seq, nothing in history, unread or lastMessage; the totals still move', async () => {
    const [host, fan] = [await login(s.url, 'Host'), await login(s.url, 'Fan')]
    const room = 'gap-reactions'
    const ch: TestClient = await joinedClient(s, host.token, room)
    const cf: TestClient = await joinedClient(s, fan.token, room)
    cf.send({ type: 'react', id: 'l1', room, kind: 'like' })
    cf.send({ type: 'react', id: 'f1', room, kind: 'flower', count: 99 })
    cf.send({ type: 'react', id: 'f2', room, kind: 'flower', count: 1 })
    await barrier(cf)
    expect(cf.frames.filter((f) => f.type === 'error' || f.type === 'ack')).toEqual([])
    await ch.waitFor((f) => f.type === 'reactions' && f.room === room && f.stats.flowers === 100, 5000)
    expect((await http(s.url, 'GET', `/api/rooms/${room}`, undefined, host.token)).body.stats).toEqual({ likes: 1, flowers: 100 })
    expect(await roomEntry(s, host.token, room)).toMatchObject({ lastSeq: 0, unread: 0, lastMessage: null })
    expect((await ch.request({ type: 'history', room, after: 0 })).messages).toEqual([])
    expect((await http(s.url, 'GET', `/api/rooms/${room}/messages`, undefined, host.token)).body.messages).toEqual([])
    expect([...ch.frames, ...cf.frames].filter((f) => f.type === 'message')).toEqual([])
    // The next real message is seq 1: no reaction took a seq.
    const m = await cf.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text: 'hi' } })
    expect(m).toMatchObject({ type: 'ack', seq: 1 })
    ch.close()
    cf.close()
  })

  it('a flower count that is not an integer in 1–99 → bad_request with the id, and adds nothing', async () => {
    const u = await login(s.url, 'Picky')
    const room = 'gap-react-count'
    const c = await joinedClient(s, u.token, room)
    for (const [i, count] of [0, -1, 1.5, '3', 100, 1e9].entries()) {
      expect(await c.request({ type: 'react', id: `bad${i}`, room, kind: 'flower', count }), String(count)).toMatchObject({
        type: 'error',
        id: `bad${i}`,
        code: 'bad_request',
      })
    }
    expect((await http(s.url, 'GET', `/api/rooms/${room}`, undefined, u.token)).body.stats).toEqual({ likes: 0, flowers: 0 })
    expect(c.frames.filter((f) => f.type === 'reactions')).toEqual([])
    c.close()
  })
})

describe('audit entries over the admin API (§G)', () => {
  it("every room action is listed newest first with the Clarifications' names, its actor, room and target", async () => {
    const [o, a, m] = [await login(s.url, 'Owner'), await login(s.url, 'Admin'), await login(s.url, 'Member')]
    const room = 'gap-audit'
    const call = async (method: string, path: string, body: unknown, token: string, status = 204) =>
      expect((await http(s.url, method, path, body, token)).status, `${method} ${path}`).toBe(status)
    await call('POST', '/api/rooms', { id: room, title: 'A' }, o.token, 201)
    const ca = await joinedClient(s, a.token, room)
    const cm = await joinedClient(s, m.token, room)
    await call('POST', `/api/rooms/${room}/admins`, { userId: a.user.id }, o.token)
    await call('DELETE', `/api/rooms/${room}/admins/${a.user.id}`, undefined, o.token)
    await call('POST', `/api/rooms/${room}/mutes`, { userId: m.user.id, seconds: 60 }, o.token)
    await call('POST', `/api/rooms/${room}/mutes`, { userId: m.user.id, seconds: 0 }, o.token)
    await call('POST', `/api/rooms/${room}/kicks`, { userId: m.user.id, seconds: 0 }, o.token)
    await call('PATCH', `/api/rooms/${room}`, { title: 'B' }, o.token, 200)
    await call('POST', `/api/rooms/${room}/invite`, undefined, o.token, 200)
    await call('POST', `/api/rooms/${room}/owner`, { userId: a.user.id }, o.token)
    await call('PUT', `/api/admin/rooms/${room}/owner`, { userId: o.user.id }, ADMIN)

    const r = await http(s.url, 'GET', '/api/admin/audit?limit=100', undefined, ADMIN)
    expect(r.status).toBe(200)
    // The server also logs `room.create` (an addition); the spec's actions must all be there.
    const mine = r.body.entries.filter((e: any) => e.room === room && e.action !== 'room.create')
    const T = (actor: string, action: string, target?: string) => ({
      id: expect.any(Number),
      ts: expect.any(Number),
      actor,
      action,
      room,
      ...(target ? { target } : {}),
    })
    expect(mine).toEqual([
      T('operator', 'owner.set', o.user.id),
      T(o.user.id, 'owner.transfer', a.user.id),
      T(o.user.id, 'invite.reset'),
      T(o.user.id, 'settings'),
      T(o.user.id, 'kick', m.user.id),
      T(o.user.id, 'unmute', m.user.id),
      T(o.user.id, 'mute', m.user.id),
      T(o.user.id, 'admin.remove', a.user.id),
      T(o.user.id, 'admin.add', a.user.id),
    ])
    ca.close()
    cm.close()
  })
})
