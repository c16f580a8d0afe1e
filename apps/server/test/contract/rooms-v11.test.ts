// v1.1 §A: RoomInfo everywhere a room is described, POST /api/rooms (generated ids, 409),
// GET /api/rooms/:id, roles and mutes that outlive leave/join; §B's two rules for like and
// flower messages (not unread, never lastMessage; they still move the room up).
import { expect, it } from 'vitest'
import { bothSetups } from './host-setups'
import { cid, enc, expectError, http, joinedClient, login, roomEntry, sendText, TestClient } from './support'

const ROOM_INFO_KEYS = ['access', 'admins', 'announcement', 'id', 'kind', 'mutedAll', 'owner', 'stats', 'title']

bothSetups('rooms v1.1', (get) => {
  it('POST /api/rooms: 201 with a RoomInfo (plus v1 fields); the caller owns it', async () => {
    const { A, B } = get()
    const t = await login(A.url, 'Teacher')
    const r = await http(A.url, 'POST', '/api/rooms', { id: 'v11-physics', title: ' 物理 101 ', access: 'invite' }, t.token)
    expect(r.status).toBe(201)
    const info = {
      id: 'v11-physics',
      title: '物理 101',
      kind: 'group',
      owner: t.user.id,
      admins: [],
      access: 'invite',
      mutedAll: false,
      announcement: null,
      stats: { likes: 0, flowers: 0 },
    }
    expect(r.body).toEqual({ ...info, lastSeq: 0, unread: 0, lastMessage: null })
    // The same room from the other node.
    expect((await http(B.url, 'GET', '/api/rooms/v11-physics', undefined, t.token)).body).toEqual(info)
  })

  it('without an id the server picks a fresh unguessable one (≥10 of [A-Za-z0-9_-]); title defaults to it', async () => {
    const { A } = get()
    const t = await login(A.url, 'NoId')
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const r = await http(A.url, 'POST', '/api/rooms', {}, t.token)
      expect(r.status).toBe(201)
      expect(r.body.id).toMatch(/^[A-Za-z0-9_-]{10,64}$/)
      expect(r.body).toMatchObject({ title: r.body.id, owner: t.user.id, access: 'open' })
      ids.add(r.body.id)
    }
    expect(ids.size).toBe(5)
    // Every field is optional, so a POST with no body at all is the same as `{}`.
    const bare = await fetch(`${A.url}/api/rooms`, { method: 'POST', headers: { authorization: `Bearer ${t.token}` } })
    expect(bare.status).toBe(201)
    const room = await bare.json()
    expect(room.id).toMatch(/^[A-Za-z0-9_-]{10,64}$/)
    expect(room).toMatchObject({ title: room.id, owner: t.user.id, access: 'open', kind: 'group' })
  })

  it('a taken id → 409 conflict (also a room a join created); the room is unchanged', async () => {
    const { A, B } = get()
    const [t, s] = [await login(A.url, 'First'), await login(A.url, 'Second')]
    expect((await http(A.url, 'POST', '/api/rooms', { id: 'v11-taken', title: 'mine' }, t.token)).status).toBe(201)
    expectError(await http(B.url, 'POST', '/api/rooms', { id: 'v11-taken', title: 'theirs' }, s.token), 'conflict')
    const c = await joinedClient(A, s.token, 'v11-joined-first')
    expectError(await http(A.url, 'POST', '/api/rooms', { id: 'v11-joined-first' }, t.token), 'conflict')
    expect((await http(A.url, 'GET', '/api/rooms/v11-taken', undefined, t.token)).body).toMatchObject({ title: 'mine', owner: t.user.id })
    c.close()
  })

  it.each([
    ['a bad id', { id: 'no spaces' }],
    ['an empty title', { id: 'v11-bad-1', title: '  ' }],
    ['a title over 64 characters', { id: 'v11-bad-2', title: 'x'.repeat(65) }],
    ['a title that is not a string', { id: 'v11-bad-3', title: 7 }],
    ['an unknown access', { id: 'v11-bad-4', access: 'secret' }],
  ])('POST /api/rooms refuses %s with 400', async (_what, body) => {
    const { A } = get()
    const t = await login(A.url, 'Picky')
    expectError(await http(A.url, 'POST', '/api/rooms', body, t.token), 'bad_request')
  })

  it('a 64-character title is fine', async () => {
    const { A } = get()
    const t = await login(A.url, 'Long')
    expect((await http(A.url, 'POST', '/api/rooms', { title: '字'.repeat(64) }, t.token)).status).toBe(201)
  })

  it('GET /api/rooms/:id: open rooms to anyone signed in; invite rooms and dms to members only; unknown 404', async () => {
    const { A, B } = get()
    const [t, m, x] = [await login(A.url, 'Owner'), await login(A.url, 'Member'), await login(A.url, 'Stranger')]
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-open', title: 'Open' }, t.token)
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-inv', title: 'Inv', access: 'invite' }, t.token)
    expect((await http(B.url, 'GET', '/api/rooms/v11-open', undefined, x.token)).body).toMatchObject({ id: 'v11-open', access: 'open' })
    expectError(await http(B.url, 'GET', '/api/rooms/v11-inv', undefined, x.token), 'forbidden')
    const code = (await http(A.url, 'GET', '/api/rooms/v11-inv/invite', undefined, t.token)).body.code
    const mc = await TestClient.connect(A.wsUrl, m.token)
    expect(await mc.request({ type: 'join', room: 'v11-inv', invite: code })).toMatchObject({ type: 'joined' })
    expect((await http(B.url, 'GET', '/api/rooms/v11-inv', undefined, m.token)).status).toBe(200)
    // A dm: its two users only.
    const dm = [t.user.id, m.user.id].sort()
    const dmId = `dm:${dm[0]}:${dm[1]}`
    await sendText(mc, 'v11-inv', 'so we share a group room')
    expect(await mc.request({ type: 'join', room: dmId })).toMatchObject({
      type: 'joined',
      room: { id: dmId, kind: 'dm', owner: null, admins: [] },
    })
    expect((await http(A.url, 'GET', `/api/rooms/${enc(dmId)}`, undefined, t.token)).body).toMatchObject({ id: dmId, kind: 'dm' })
    expectError(await http(A.url, 'GET', `/api/rooms/${enc(dmId)}`, undefined, x.token), 'forbidden')
    expectError(await http(A.url, 'GET', '/api/rooms/v11-nowhere', undefined, x.token), 'not_found')
    expectError(await http(A.url, 'GET', '/api/rooms/v11-open', undefined), 'unauthorized')
    mc.close()
  })

  it('joined.room is a RoomInfo and joined.role is always there', async () => {
    const { A, B } = get()
    const [t, m] = [await login(A.url, 'Host'), await login(A.url, 'Viewer')]
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-joined', title: 'J' }, t.token)
    const tc = await TestClient.connect(B.wsUrl, t.token)
    const j = await tc.request({ type: 'join', room: 'v11-joined' })
    expect(Object.keys(j.room).sort()).toEqual(ROOM_INFO_KEYS)
    expect(j).toMatchObject({
      role: 'owner',
      mutedUntil: null,
      room: { id: 'v11-joined', title: 'J', kind: 'group', owner: t.user.id, admins: [] },
    })
    const mc = await TestClient.connect(A.wsUrl, m.token)
    expect(await mc.request({ type: 'join', room: 'v11-joined' })).toMatchObject({ role: 'member' })
    // A room made by a join: no owner, open.
    expect((await mc.request({ type: 'join', room: 'v11-made-by-join' })).room).toEqual({
      id: 'v11-made-by-join',
      title: 'v11-made-by-join',
      kind: 'group',
      owner: null,
      admins: [],
      access: 'open',
      mutedAll: false,
      announcement: null,
      stats: { likes: 0, flowers: 0 },
    })
    tc.close()
    mc.close()
  })

  it('the owner and admins keep their role across leave and join; mutes outlive leave/join', async () => {
    const { A, B } = get()
    const [t, ad, m] = [await login(A.url, 'Owner'), await login(A.url, 'Admin'), await login(A.url, 'Muted')]
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-roles', title: 'R' }, t.token)
    const tc = await joinedClient(A, t.token, 'v11-roles')
    const ac = await joinedClient(B, ad.token, 'v11-roles')
    const mc = await joinedClient(B, m.token, 'v11-roles')
    expect((await http(A.url, 'POST', '/api/rooms/v11-roles/admins', { userId: ad.user.id }, t.token)).status).toBe(204)
    expect((await http(A.url, 'POST', '/api/rooms/v11-roles/mutes', { userId: m.user.id, seconds: 600 }, ad.token)).status).toBe(204)
    for (const c of [tc, ac, mc]) expect(await c.request({ type: 'leave', room: 'v11-roles' })).toMatchObject({ type: 'left' })
    expect(await tc.request({ type: 'join', room: 'v11-roles' })).toMatchObject({
      role: 'owner',
      room: { owner: t.user.id, admins: [ad.user.id] },
    })
    expect(await ac.request({ type: 'join', room: 'v11-roles' })).toMatchObject({ role: 'admin' })
    const back = await mc.request({ type: 'join', room: 'v11-roles' })
    expect(back.role).toBe('member')
    expect(back.mutedUntil).toBeGreaterThan(Date.now() + 500_000)
    expect(await mc.request({ type: 'send', room: 'v11-roles', cid: cid(), kind: 'text', body: { text: 'still muted?' } })).toMatchObject({
      type: 'error',
      code: 'muted',
    })
    expectError(await http(A.url, 'POST', '/api/rooms/v11-roles/messages', { cid: cid(), kind: 'like', body: {} }, m.token), 'muted')
    // The admin still moderates after coming back: lifting the mute works.
    expect((await http(B.url, 'POST', '/api/rooms/v11-roles/mutes', { userId: m.user.id, seconds: 0 }, ad.token)).status).toBe(204)
    expect(await sendText(mc, 'v11-roles', 'free again')).toMatchObject({ type: 'ack' })
    for (const c of [tc, ac, mc]) c.close()
  })

  it("◆ a mute reaches the muted user's joined connections as a `mute` frame, on every node", async () => {
    const { A, B } = get()
    const [t, m] = [await login(A.url, 'Owner'), await login(A.url, 'Viewer')]
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-mute-push', title: 'M' }, t.token)
    const mc = await joinedClient(B, m.token, 'v11-mute-push')
    await http(A.url, 'POST', '/api/rooms/v11-mute-push/mutes', { userId: m.user.id, seconds: 60 }, t.token)
    const f = await mc.waitFor((x) => x.type === 'mute', 10_000)
    expect(f).toEqual({ type: 'mute', room: 'v11-mute-push', until: expect.any(Number) })
    expect(f.until).toBeGreaterThan(Date.now() + 30_000)
    await http(A.url, 'POST', '/api/rooms/v11-mute-push/mutes', { userId: m.user.id, seconds: 0 }, t.token)
    expect(await mc.waitFor((x) => x.type === 'mute' && x.until === null, 10_000)).toBeTruthy()
    mc.close()
  })

  it('like and flower messages are not unread and never lastMessage, but move the room to the top; stats count them', async () => {
    const { A, B } = get()
    const [t, v] = [await login(A.url, 'Host'), await login(A.url, 'Fan')]
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-likes', title: 'L' }, t.token)
    await http(A.url, 'POST', '/api/rooms', { id: 'v11-other', title: 'O' }, t.token)
    const tc = await joinedClient(A, t.token, 'v11-likes', 'v11-other')
    const vc = await joinedClient(B, v.token, 'v11-likes')
    const text = await sendText(vc, 'v11-likes', 'hello teacher')
    await sendText(tc, 'v11-other', 'elsewhere, later')
    expect((await http(A.url, 'GET', '/api/rooms', undefined, t.token)).body.map((r: any) => r.id).slice(0, 2)).toEqual([
      'v11-other',
      'v11-likes',
    ])
    for (const [kind, body] of [
      ['like', {}],
      ['flower', { count: 5 }],
      ['like', {}],
      ['flower', {}],
    ] as const) {
      expect(await vc.request({ type: 'send', room: 'v11-likes', cid: cid(), kind, body })).toMatchObject({ type: 'ack' })
    }
    const list = (await http(B.url, 'GET', '/api/rooms', undefined, t.token)).body
    expect(list[0]).toMatchObject({
      id: 'v11-likes',
      lastSeq: text.seq + 4,
      unread: 1,
      lastMessage: { seq: text.seq, body: { text: 'hello teacher' } },
    })
    expect((await http(A.url, 'GET', '/api/rooms/v11-likes', undefined, t.token)).body.stats).toEqual({ likes: 2, flowers: 6 })
    // A recalled like comes off the totals.
    const like = (await http(A.url, 'GET', '/api/rooms/v11-likes/messages?limit=5', undefined, t.token)).body.messages.find(
      (x: any) => x.kind === 'like',
    )
    expect(await tc.request({ type: 'recall', room: 'v11-likes', seq: like.seq })).toMatchObject({ type: 'recalled' })
    expect((await http(A.url, 'GET', '/api/rooms/v11-likes', undefined, t.token)).body.stats).toEqual({ likes: 1, flowers: 6 })
    expect((await vc.request({ type: 'join', room: 'v11-likes' })).room.stats).toEqual({ likes: 1, flowers: 6 })
    // A room of only likes: no lastMessage, nothing unread.
    const lonely = (await joinedClient(A, t.token, 'v11-only-likes')).close()
    void lonely
    const vc2 = await joinedClient(B, v.token, 'v11-only-likes')
    await vc2.request({ type: 'send', room: 'v11-only-likes', cid: cid(), kind: 'like', body: {} })
    expect(await roomEntry(A, t.token, 'v11-only-likes')).toMatchObject({ lastSeq: 1, unread: 0, lastMessage: null })
    for (const c of [tc, vc, vc2]) c.close()
  })
})
