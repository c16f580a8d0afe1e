// §2 moderation: admins (owner only), mutes, kicks; others 403 forbidden. §3.5 owned rooms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  barrier,
  cid,
  expectError,
  http,
  joinedClient,
  login,
  roomEntry,
  sendText,
  startRoomy,
  TestClient,
  type Login,
  type TestServer,
} from './support'

let s: TestServer
beforeAll(async () => {
  s = await startRoomy()
})
afterAll(async () => {
  await s?.close()
})

const mod = (room: string, what: 'admins' | 'mutes' | 'kicks', body: unknown, who: Login) =>
  http(s.url, 'POST', `/api/rooms/${room}/${what}`, body, who.token)

/** An owned room with an owner, an admin and two plain members (all joined once). */
async function setup(room: string) {
  const owner = await login(s.url, 'Owner')
  const admin = await login(s.url, 'Admin')
  const m1 = await login(s.url, 'Member1')
  const m2 = await login(s.url, 'Member2')
  const created = await http(s.url, 'POST', '/api/rooms', { id: room, title: `Room ${room}` }, owner.token)
  expect(created.status).toBe(201)
  const conns = {
    o: await joinedClient(s, owner.token, room),
    a: await joinedClient(s, admin.token, room),
    c1: await joinedClient(s, m1.token, room),
    c2: await joinedClient(s, m2.token, room),
  }
  const r = await mod(room, 'admins', { userId: admin.user.id }, owner)
  expect(r.status).toBe(204)
  return { owner, admin, m1, m2, ...conns, close: () => Object.values(conns).forEach((c) => c.close()) }
}

describe('POST /api/rooms: owned rooms', () => {
  it('answers 201 with the room (◆ plus owner); the creator is a member and its owner', async () => {
    const u = await login(s.url, 'Founder')
    const r = await http(s.url, 'POST', '/api/rooms', { id: 'mod-created', title: '  直播间  ' }, u.token)
    expect(r).toMatchObject({ status: 201, body: { id: 'mod-created', title: '直播间', kind: 'group', owner: u.user.id } })
    expect(await roomEntry(s, u.token, 'mod-created')).toMatchObject({ id: 'mod-created', title: '直播间', kind: 'group' })
    const c = await TestClient.connect(s.wsUrl, u.token)
    expect(await c.request({ type: 'join', room: 'mod-created' })).toMatchObject({
      room: { id: 'mod-created', title: '直播间', kind: 'group' },
    })
    c.close()
  })

  it('◆ makes an id when none is given', async () => {
    const u = await login(s.url, 'NoId')
    const r = await http(s.url, 'POST', '/api/rooms', { title: 'untitled' }, u.token)
    expect(r.status).toBe(201)
    expect(r.body.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    expect(await roomEntry(s, u.token, r.body.id)).toBeDefined()
  })

  it.each([
    ['a bad id', { id: 'no spaces', title: 't' }],
    ['a blank title', { id: 'mod-blank', title: '   ' }],
    ['a title over 64 characters', { id: 'mod-long', title: 'x'.repeat(65) }],
    ['a body that is not an object', [1, 2]],
  ])('refuses %s with 400', async (_what, body) => {
    const u = await login(s.url, 'Picky')
    expectError(await http(s.url, 'POST', '/api/rooms', body, u.token), 'bad_request')
  })
})

describe('admins (owner only, 204)', () => {
  it('the owner appoints; the new admin can moderate (mute → 204)', async () => {
    const t = await setup('mod-admins')
    expect(await mod('mod-admins', 'mutes', { userId: t.m1.user.id, seconds: 60 }, t.admin)).toMatchObject({ status: 204 })
    // …and answers questions, which needs owner or admin.
    const q = await t.c2.request({ type: 'send', room: 'mod-admins', cid: cid(), kind: 'question', body: { text: '?' } })
    expect(
      await t.a.request({ type: 'send', room: 'mod-admins', cid: cid(), kind: 'answer', body: { question: q.seq, text: '!' } }),
    ).toMatchObject({ type: 'ack' })
    t.close()
  })

  it('a 204 has no body', async () => {
    const t = await setup('mod-admins-204')
    const res = await fetch(`${s.url}/api/rooms/mod-admins-204/admins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.owner.token}` },
      body: JSON.stringify({ userId: t.m1.user.id }),
    })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    t.close()
  })

  it('an admin, a member and a stranger get 403 forbidden', async () => {
    const t = await setup('mod-admins-403')
    const stranger = await login(s.url, 'Stranger')
    for (const who of [t.admin, t.m1, stranger]) {
      expectError(await mod('mod-admins-403', 'admins', { userId: t.m2.user.id }, who), 'forbidden')
    }
    // m2 did not become an admin: muting is still refused to them.
    expectError(await mod('mod-admins-403', 'mutes', { userId: t.m1.user.id, seconds: 60 }, t.m2), 'forbidden')
    t.close()
  })

  it('◆ 404 for an unknown room or a target that is not a member; 400 for a bad userId', async () => {
    const t = await setup('mod-admins-404')
    const outsider = await login(s.url, 'Outsider')
    expectError(await mod('mod-no-such-room', 'admins', { userId: t.m1.user.id }, t.owner), 'not_found')
    expectError(await mod('mod-admins-404', 'admins', { userId: outsider.user.id }, t.owner), 'not_found')
    for (const body of [{}, { userId: 5 }, { userId: 'bad id' }, 'x']) {
      expectError(await mod('mod-admins-404', 'admins', body, t.owner), 'bad_request')
    }
    t.close()
  })
})

describe('mutes', () => {
  it('a muted member gets `muted` on socket sends and 403 muted over HTTP; seconds 0 lifts it', async () => {
    const t = await setup('mod-mute')
    const before = await sendText(t.c1, 'mod-mute', 'before the mute')
    expect(await mod('mod-mute', 'mutes', { userId: t.m1.user.id, seconds: 600 }, t.owner)).toMatchObject({ status: 204 })
    expect(await sendText(t.c1, 'mod-mute', 'muted?', { id: 'mm' })).toMatchObject({ type: 'error', id: 'mm', code: 'muted' })
    expectError(await http(s.url, 'POST', '/api/rooms/mod-mute/messages', { cid: cid(), kind: 'like', body: {} }, t.m1.token), 'muted')
    // Nothing was stored, and the others still talk.
    const other = await sendText(t.c2, 'mod-mute', 'I can talk')
    expect(other.seq).toBe(before.seq + 1)
    // Muted is about sending only: reading and history still work.
    expect(await t.c1.request({ type: 'history', room: 'mod-mute' })).toMatchObject({ type: 'history' })

    expect(await mod('mod-mute', 'mutes', { userId: t.m1.user.id, seconds: 0 }, t.owner)).toMatchObject({ status: 204 })
    expect(await sendText(t.c1, 'mod-mute', 'free again')).toMatchObject({ type: 'ack', seq: other.seq + 1 })
    t.close()
  })

  it('a mute ends by itself after its seconds', async () => {
    const t = await setup('mod-mute-expiry')
    expect(await mod('mod-mute-expiry', 'mutes', { userId: t.m1.user.id, seconds: 1 }, t.admin)).toMatchObject({ status: 204 })
    const k = cid()
    const attempt = () => t.c1.request({ type: 'send', room: 'mod-mute-expiry', cid: k, kind: 'text', body: { text: 'later' } })
    expect(await attempt()).toMatchObject({ code: 'muted' })
    await expect.poll(async () => (await attempt()).type, { timeout: 10_000, interval: 250 }).toBe('ack')
    t.close()
  })

  it('a retry of a message stored before the mute still gets its original ack', async () => {
    const t = await setup('mod-mute-retry')
    const k = cid()
    const first = await t.c1.request({ type: 'send', room: 'mod-mute-retry', cid: k, kind: 'text', body: { text: 'sent' } })
    await mod('mod-mute-retry', 'mutes', { userId: t.m1.user.id, seconds: 600 }, t.owner)
    const again = await t.c1.request({ type: 'send', room: 'mod-mute-retry', cid: k, kind: 'text', body: { text: 'sent' } })
    expect(again).toMatchObject({ type: 'ack', seq: first.seq, ts: first.ts })
    t.close()
  })

  it('non-moderators get 403 forbidden; ◆ the owner cannot be muted; ◆ an admin cannot mute an admin', async () => {
    const t = await setup('mod-mute-403')
    const admin2 = await login(s.url, 'Admin2')
    const c2 = await joinedClient(s, admin2.token, 'mod-mute-403')
    expect((await mod('mod-mute-403', 'admins', { userId: admin2.user.id }, t.owner)).status).toBe(204)
    expectError(await mod('mod-mute-403', 'mutes', { userId: t.m2.user.id, seconds: 60 }, t.m1), 'forbidden')
    expectError(await mod('mod-mute-403', 'mutes', { userId: t.owner.user.id, seconds: 60 }, t.admin), 'forbidden')
    expectError(await mod('mod-mute-403', 'mutes', { userId: admin2.user.id, seconds: 60 }, t.admin), 'forbidden')
    // The owner may mute an admin.
    expect((await mod('mod-mute-403', 'mutes', { userId: admin2.user.id, seconds: 60 }, t.owner)).status).toBe(204)
    expect(await sendText(c2, 'mod-mute-403', 'x')).toMatchObject({ code: 'muted' })
    // Nobody was muted by the refused calls.
    expect(await sendText(t.c2, 'mod-mute-403', 'still fine')).toMatchObject({ type: 'ack' })
    c2.close()
    t.close()
  })

  it.each([
    ['no seconds', { seconds: undefined }],
    ['negative seconds', { seconds: -1 }],
    ['fractional seconds', { seconds: 1.5 }],
    ['string seconds', { seconds: '60' }],
  ])('refuses %s with 400', async (_what, extra) => {
    const t = await setup(`mod-mute-400-${Math.random().toString(36).slice(2, 8)}`)
    const room = (await http(s.url, 'GET', '/api/rooms', undefined, t.owner.token)).body[0].id
    expectError(await mod(room, 'mutes', { userId: t.m1.user.id, ...extra }, t.owner), 'bad_request')
    t.close()
  })

  it('a room made by join has no owner: nobody can moderate it (403)', async () => {
    const u = await login(s.url, 'First joiner')
    const v = await login(s.url, 'Second joiner')
    const c = await joinedClient(s, u.token, 'mod-public')
    const d = await joinedClient(s, v.token, 'mod-public')
    expectError(await mod('mod-public', 'mutes', { userId: v.user.id, seconds: 60 }, u), 'forbidden')
    expectError(await mod('mod-public', 'kicks', { userId: v.user.id, seconds: 60 }, u), 'forbidden')
    expectError(await mod('mod-public', 'admins', { userId: v.user.id }, u), 'forbidden')
    c.close()
    d.close()
  })
})

describe('kicks', () => {
  it('every connection of the user in the room gets `kicked`, stops receiving, and the membership ends', async () => {
    const t = await setup('mod-kick')
    const m1b = await joinedClient(s, t.m1.token, 'mod-kick') // a second device
    expect(await mod('mod-kick', 'kicks', { userId: t.m1.user.id, seconds: 600 }, t.owner)).toMatchObject({ status: 204 })
    for (const c of [t.c1, m1b]) expect(await c.waitFor((f) => f.type === 'kicked')).toEqual({ type: 'kicked', room: 'mod-kick' })

    // The others go on; the kicked connections receive nothing more from the room.
    const { seq } = await sendText(t.o, 'mod-kick', 'after the kick')
    await t.c2.waitFor((f) => f.type === 'message' && f.msg.seq === seq)
    await barrier(t.c1)
    await barrier(m1b)
    for (const c of [t.c1, m1b]) expect(c.messages('mod-kick').some((m) => m.seq === seq)).toBe(false)
    // Not a close: the connection stays open.
    expect(t.c1.closeCode).toBeNull()
    expect(await t.c1.request({ type: 'ping' })).toMatchObject({ type: 'pong' })

    // Membership ended.
    expect(await roomEntry(s, t.m1.token, 'mod-kick')).toBeUndefined()
    expectError(await http(s.url, 'GET', '/api/rooms/mod-kick/messages', undefined, t.m1.token), 'not_joined')
    expectError(await http(s.url, 'POST', '/api/rooms/mod-kick/messages', { cid: cid(), kind: 'like', body: {} }, t.m1.token), 'not_joined')
    expect(await sendText(t.c1, 'mod-kick', 'still here?')).toMatchObject({ type: 'error', code: 'not_joined' })

    // And it is refused a join, over this socket and a new one.
    expect(await t.c1.request({ type: 'join', id: 'back', room: 'mod-kick' })).toMatchObject({
      type: 'error',
      id: 'back',
      code: 'forbidden',
    })
    const fresh = await TestClient.connect(s.wsUrl, t.m1.token)
    expect(await fresh.request({ type: 'join', room: 'mod-kick' })).toMatchObject({ type: 'error', code: 'forbidden' })
    fresh.close()
    m1b.close()
    t.close()
  })

  it('the room hears the kicked user go offline', async () => {
    const t = await setup('mod-kick-presence')
    await mod('mod-kick-presence', 'kicks', { userId: t.m1.user.id, seconds: 600 }, t.admin)
    const p = await t.c2.waitFor((f) => f.type === 'presence' && f.user.id === t.m1.user.id && f.status === 'offline')
    expect(p.room).toBe('mod-kick-presence')
    await expect
      .poll(async () => (await http(s.url, 'GET', '/api/rooms/mod-kick-presence/online', undefined, t.m2.token)).body.map((u: any) => u.id))
      .not.toContain(t.m1.user.id)
    t.close()
  })

  it('◆ a resume of the room while kicked gets forbidden in place of joined', async () => {
    const t = await setup('mod-kick-resume')
    await mod('mod-kick-resume', 'kicks', { userId: t.m1.user.id, seconds: 600 }, t.owner)
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: t.m1.token, resume: { 'mod-kick-resume': 0 } })
    const err = await c.waitFor((f) => f.type === 'error')
    expect(err).toMatchObject({ code: 'forbidden', room: 'mod-kick-resume' })
    expect(err).not.toHaveProperty('id')
    c.close()
    t.close()
  })

  it('join is forbidden for the given seconds, then allowed again', async () => {
    const t = await setup('mod-kick-expiry')
    await mod('mod-kick-expiry', 'kicks', { userId: t.m1.user.id, seconds: 1 }, t.owner)
    await t.c1.waitFor((f) => f.type === 'kicked')
    expect(await t.c1.request({ type: 'join', room: 'mod-kick-expiry' })).toMatchObject({ code: 'forbidden' })
    await expect
      .poll(async () => (await t.c1.request({ type: 'join', room: 'mod-kick-expiry' })).type, { timeout: 10_000, interval: 250 })
      .toBe('joined')
    expect(await roomEntry(s, t.m1.token, 'mod-kick-expiry')).toBeDefined()
    t.close()
  })

  it('◆ seconds 0 removes the user, who may rejoin at once', async () => {
    const t = await setup('mod-kick-zero')
    expect((await mod('mod-kick-zero', 'kicks', { userId: t.m1.user.id, seconds: 0 }, t.owner)).status).toBe(204)
    await t.c1.waitFor((f) => f.type === 'kicked')
    expect(await roomEntry(s, t.m1.token, 'mod-kick-zero')).toBeUndefined()
    expect(await t.c1.request({ type: 'join', room: 'mod-kick-zero' })).toMatchObject({ type: 'joined' })
    t.close()
  })

  it('◆ a user who is not a member can be kicked, which bars the join', async () => {
    const t = await setup('mod-kick-stranger')
    const stranger = await login(s.url, 'Troll')
    expect((await mod('mod-kick-stranger', 'kicks', { userId: stranger.user.id, seconds: 600 }, t.owner)).status).toBe(204)
    const c = await TestClient.connect(s.wsUrl, stranger.token)
    expect(await c.request({ type: 'join', room: 'mod-kick-stranger' })).toMatchObject({ code: 'forbidden' })
    c.close()
    t.close()
  })

  it('non-moderators get 403 forbidden; ◆ the owner cannot be kicked; ◆ an admin cannot kick an admin', async () => {
    const t = await setup('mod-kick-403')
    expectError(await mod('mod-kick-403', 'kicks', { userId: t.m2.user.id, seconds: 60 }, t.m1), 'forbidden')
    expectError(await mod('mod-kick-403', 'kicks', { userId: t.owner.user.id, seconds: 60 }, t.admin), 'forbidden')
    const admin2 = await login(s.url, 'Admin2')
    const c2 = await joinedClient(s, admin2.token, 'mod-kick-403')
    await mod('mod-kick-403', 'admins', { userId: admin2.user.id }, t.owner)
    expectError(await mod('mod-kick-403', 'kicks', { userId: admin2.user.id, seconds: 60 }, t.admin), 'forbidden')
    // None of the refused kicks happened.
    await barrier(t.c2)
    await barrier(c2)
    expect([...t.c2.frames, ...c2.frames, ...t.o.frames].some((f) => f.type === 'kicked')).toBe(false)
    // The owner may kick an admin.
    expect((await mod('mod-kick-403', 'kicks', { userId: admin2.user.id, seconds: 60 }, t.owner)).status).toBe(204)
    expect(await c2.waitFor((f) => f.type === 'kicked')).toEqual({ type: 'kicked', room: 'mod-kick-403' })
    c2.close()
    t.close()
  })

  it('◆ moderation of an unknown room is 404; moderation needs a token (401)', async () => {
    const u = await login(s.url, 'Nobody')
    expectError(await mod('mod-never-created', 'kicks', { userId: u.user.id, seconds: 1 }, u), 'not_found')
    expectError(await http(s.url, 'POST', '/api/rooms/mod-kick/kicks', { userId: u.user.id, seconds: 1 }), 'unauthorized')
  })
})
