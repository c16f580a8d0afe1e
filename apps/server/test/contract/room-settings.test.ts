// v1.1 §A: PATCH /api/rooms/:id, admin removal, owner transfer, the operator's owner
// assignment, 全员禁言, the `room` push on every node, and the audit entry of each change.
import { expect, it } from 'vitest'
import { ADMIN_TOKEN, bothSetups, type Setup } from './host-setups'
import { barrier, cid, expectError, http, joinedClient, login, sendText, type Login, type TestClient } from './support'

bothSetups('room settings', (get) => {
  /** A room with an owner (on A), an admin and a member (both on B), all joined. */
  async function classroom(id: string) {
    const { A, B } = get()
    const [owner, admin, member] = [await login(A.url, 'Owner'), await login(A.url, 'Admin'), await login(A.url, 'Member')]
    expect((await http(A.url, 'POST', '/api/rooms', { id, title: 'Class' }, owner.token)).status).toBe(201)
    const o = await joinedClient(A, owner.token, id)
    const a = await joinedClient(B, admin.token, id)
    const m = await joinedClient(B, member.token, id)
    expect((await http(A.url, 'POST', `/api/rooms/${id}/admins`, { userId: admin.user.id }, owner.token)).status).toBe(204)
    await m.waitFor((f) => f.type === 'room' && f.info.admins.includes(admin.user.id), 10_000)
    return { owner, admin, member, o, a, m, close: () => [o, a, m].forEach((c) => c.close()) }
  }
  const patch = (s: Setup['A'], id: string, body: unknown, who: Login) => http(s.url, 'PATCH', `/api/rooms/${id}`, body, who.token)
  const audit = async (room: string) => (await get().A.app.store.listAudit(room, 50)).map((e) => [e.action, e.actorId, e.targetId])
  const roomPushes = (c: TestClient, room: string) => c.frames.filter((f) => f.type === 'room' && f.room === room)

  it('PATCH by the owner → 200 RoomInfo; every joined connection on every node gets the `room` push', async () => {
    const { A, B } = get()
    const t = await classroom('set-basic')
    const r = await patch(A, 'set-basic', { title: ' 新标题 ', announcement: '  明天 9 点上课  ' }, t.owner)
    expect(r.status).toBe(200)
    expect(r.body).toEqual({
      id: 'set-basic',
      title: '新标题',
      kind: 'group',
      owner: t.owner.user.id,
      admins: [t.admin.user.id],
      access: 'open',
      mutedAll: false,
      announcement: { text: '明天 9 点上课', by: t.owner.user.id, ts: expect.any(Number) },
      stats: { likes: 0, flowers: 0 },
    })
    for (const c of [t.o, t.a, t.m]) {
      const f = await c.waitFor((x) => x.type === 'room' && x.info.title === '新标题', 10_000)
      expect(f).toEqual({ type: 'room', room: 'set-basic', info: r.body })
    }
    expect((await http(B.url, 'GET', '/api/rooms/set-basic', undefined, t.member.token)).body).toEqual(r.body)
    // An admin may change settings too; null clears the announcement.
    const cleared = await patch(B, 'set-basic', { announcement: null, mutedAll: true, access: 'invite' }, t.admin)
    expect(cleared.body).toMatchObject({ announcement: null, mutedAll: true, access: 'invite' })
    await t.m.waitFor((x) => x.type === 'room' && x.info.mutedAll === true, 10_000)
    expect(await audit('set-basic')).toEqual(
      expect.arrayContaining([
        ['settings', t.owner.user.id, null],
        ['settings', t.admin.user.id, null],
        ['admin.add', t.owner.user.id, t.admin.user.id],
      ]),
    )
    t.close()
  })

  it("the `room` push comes in order with the room's messages", async () => {
    const { A } = get()
    const t = await classroom('set-order')
    const before = await sendText(t.o, 'set-order', 'before the change')
    await patch(A, 'set-order', { title: 'Changed' }, t.owner)
    const after = await sendText(t.o, 'set-order', 'after the change')
    await t.m.waitFor((f) => f.type === 'message' && f.msg.seq === after.seq, 10_000)
    const seen = t.m.frames.filter(
      (f) => (f.type === 'message' && f.room === 'set-order') || (f.type === 'room' && f.info.title === 'Changed'),
    )
    const kinds = seen.map((f) => (f.type === 'room' ? 'room' : f.msg.seq))
    expect(kinds.slice(kinds.indexOf(before.seq))).toEqual([before.seq, 'room', after.seq])
    t.close()
  })

  it('PATCH refusals: a member 403; unknown room 404; bad fields 400 and nothing changes', async () => {
    const { A, B } = get()
    const t = await classroom('set-refuse')
    expectError(await patch(B, 'set-refuse', { title: 'mine now' }, t.member), 'forbidden')
    expectError(await patch(A, 'set-nowhere', { title: 'x' }, t.owner), 'not_found')
    for (const body of [
      { title: '' },
      { title: 'x'.repeat(65) },
      { announcement: '   ' },
      { announcement: 'x'.repeat(1001) },
      { announcement: 5 },
      { mutedAll: 'yes' },
      { access: 'secret' },
      { title: 'fine', access: 'nope' },
      [1],
      // Not a setting: refused, not silently ignored (a typo would otherwise "succeed").
      { titel: 'typo' },
      { title: 'fine', owner: t.member.user.id },
      { stats: { likes: 9, flowers: 9 } },
    ]) {
      expectError(await patch(A, 'set-refuse', body, t.owner), 'bad_request')
    }
    expect((await http(A.url, 'GET', '/api/rooms/set-refuse', undefined, t.owner.token)).body).toMatchObject({
      title: 'Class',
      access: 'open',
      mutedAll: false,
      announcement: null,
    })
    expect((await patch(A, 'set-refuse', { announcement: '字'.repeat(1000), title: '字'.repeat(64) }, t.owner)).status).toBe(200)
    await barrier(t.m)
    t.close()
  })

  it('the word filter masks titles and announcements', async () => {
    const { A } = get()
    const t = await classroom('set-words')
    const r = await patch(A, 'set-words', { title: 'a badword b', announcement: 'no BadWord here' }, t.owner)
    expect(r.body).toMatchObject({ title: 'a ******* b', announcement: { text: 'no ******* here' } })
    const c = await http(A.url, 'POST', '/api/rooms', { title: 'badword room' }, t.owner.token)
    expect(c.body.title).toBe('******* room')
    t.close()
  })

  it('mutedAll: members get `muted` (socket and HTTP, any kind); the owner and admins still send', async () => {
    const { A, B } = get()
    const t = await classroom('set-muteall')
    await patch(A, 'set-muteall', { mutedAll: true }, t.owner)
    for (const [kind, body] of [
      ['text', { text: 'hi' }],
      ['like', {}],
      ['question', { text: '?' }],
    ] as const) {
      expect(await t.m.request({ type: 'send', room: 'set-muteall', cid: cid(), kind, body })).toMatchObject({
        type: 'error',
        code: 'muted',
      })
    }
    expectError(
      await http(B.url, 'POST', '/api/rooms/set-muteall/messages', { cid: cid(), kind: 'text', body: { text: 'http' } }, t.member.token),
      'muted',
    )
    expect(await sendText(t.o, 'set-muteall', 'owner talks')).toMatchObject({ type: 'ack' })
    expect(await sendText(t.a, 'set-muteall', 'admin talks')).toMatchObject({ type: 'ack' })
    await patch(B, 'set-muteall', { mutedAll: false }, t.admin)
    expect(await sendText(t.m, 'set-muteall', 'member talks again')).toMatchObject({ type: 'ack' })
    t.close()
  })

  it('DELETE …/admins/:userId (owner only): back to member; a non-admin → 204; others 403', async () => {
    const { A, B } = get()
    const t = await classroom('set-deadmin')
    expectError(await http(B.url, 'DELETE', `/api/rooms/set-deadmin/admins/${t.member.user.id}`, undefined, t.admin.token), 'forbidden')
    expectError(await http(B.url, 'DELETE', `/api/rooms/set-deadmin/admins/${t.admin.user.id}`, undefined, t.member.token), 'forbidden')
    expectError(await http(A.url, 'DELETE', `/api/rooms/set-nowhere/admins/${t.admin.user.id}`, undefined, t.owner.token), 'not_found')
    const pushes = roomPushes(t.m, 'set-deadmin').length
    expect((await http(A.url, 'DELETE', `/api/rooms/set-deadmin/admins/${t.member.user.id}`, undefined, t.owner.token)).status).toBe(204)
    expect((await http(A.url, 'DELETE', `/api/rooms/set-deadmin/admins/${t.admin.user.id}`, undefined, t.owner.token)).status).toBe(204)
    const f = await t.m.waitFor((x) => x.type === 'room' && x.info.admins.length === 0, 10_000)
    expect(f.info.owner).toBe(t.owner.user.id)
    await barrier(t.m)
    expect(roomPushes(t.m, 'set-deadmin').length).toBe(pushes + 1) // the no-op sent nothing
    expectError(await patch(B, 'set-deadmin', { title: 'x' }, t.admin), 'forbidden')
    expect(await t.a.request({ type: 'join', room: 'set-deadmin' })).toMatchObject({ role: 'member' })
    expect(await audit('set-deadmin')).toContainEqual(['admin.remove', t.owner.user.id, t.admin.user.id])
    t.close()
  })

  it('POST …/owner (owner only): the target must be a member (404); the old owner becomes an admin; to oneself 204', async () => {
    const { A, B } = get()
    const t = await classroom('set-transfer')
    const outsider = await login(A.url, 'Outsider')
    expectError(await http(B.url, 'POST', '/api/rooms/set-transfer/owner', { userId: t.member.user.id }, t.admin.token), 'forbidden')
    expectError(await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: outsider.user.id }, t.owner.token), 'not_found')
    expectError(await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: 'u_nobody_at_all' }, t.owner.token), 'not_found')
    expectError(await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: 5 }, t.owner.token), 'bad_request')
    expectError(await http(A.url, 'POST', '/api/rooms/set-nowhere/owner', { userId: t.member.user.id }, t.owner.token), 'not_found')
    const pushes = roomPushes(t.m, 'set-transfer').length
    expect((await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: t.owner.user.id }, t.owner.token)).status).toBe(204)
    expect((await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: t.member.user.id }, t.owner.token)).status).toBe(204)
    const f = await t.a.waitFor((x) => x.type === 'room' && x.info.owner === t.member.user.id, 10_000)
    expect(f.info.admins).toEqual([t.admin.user.id, t.owner.user.id])
    await barrier(t.m)
    expect(roomPushes(t.m, 'set-transfer').length).toBe(pushes + 1)
    // The new owner can do owner things; the old one no longer can.
    expectError(await http(A.url, 'POST', '/api/rooms/set-transfer/owner', { userId: t.owner.user.id }, t.owner.token), 'forbidden')
    expect((await http(B.url, 'DELETE', `/api/rooms/set-transfer/admins/${t.owner.user.id}`, undefined, t.member.token)).status).toBe(204)
    expect(await audit('set-transfer')).toContainEqual(['owner.transfer', t.owner.user.id, t.member.user.id])
    t.close()
  })

  it("PUT /api/admin/rooms/:id/owner: the operator sets any group room's owner; they become a member, the old owner an admin", async () => {
    const { A, B } = get()
    const [first, teacher, viewer] = [await login(A.url, 'Early'), await login(A.url, 'Teacher'), await login(A.url, 'Viewer')]
    const put = (s: Setup['A'], room: string, body: unknown, token = ADMIN_TOKEN) =>
      http(s.url, 'PUT', `/api/admin/rooms/${room}/owner`, body, token)
    // A room a student's join made, with no owner.
    const fc = await joinedClient(A, first.token, 'set-course')
    const vc = await joinedClient(B, viewer.token, 'set-course')
    expect((await put(B, 'set-course', { userId: teacher.user.id })).status).toBe(204)
    const f = await vc.waitFor((x) => x.type === 'room' && x.info.owner === teacher.user.id, 10_000)
    expect(f.info.admins).toEqual([])
    expect((await http(A.url, 'GET', '/api/rooms', undefined, teacher.token)).body.map((r: any) => r.id)).toContain('set-course')
    const tc = await joinedClient(A, teacher.token, 'set-course')
    expect(tc.frames.find((x) => x.type === 'joined')).toMatchObject({ role: 'owner' })
    // Again, to someone else: the previous owner becomes an admin.
    expect((await put(A, 'set-course', { userId: viewer.user.id })).status).toBe(204)
    await fc.waitFor((x) => x.type === 'room' && x.info.owner === viewer.user.id && x.info.admins.includes(teacher.user.id), 10_000)
    expectError(await put(A, 'set-course', { userId: 'u_nobody_at_all' }), 'not_found')
    expectError(await put(A, 'set-no-such-room', { userId: viewer.user.id }), 'not_found')
    expectError(
      await put(A, encodeURIComponent(`dm:${[first.user.id, viewer.user.id].sort().join(':')}`), { userId: viewer.user.id }),
      'bad_request',
    )
    expectError(await put(A, 'set-course', { userId: 7 }), 'bad_request')
    expectError(await put(A, 'set-course', { userId: viewer.user.id }, teacher.token), 'forbidden')
    expect(await audit('set-course')).toContainEqual(['owner.set', null, teacher.user.id])
    for (const c of [fc, vc, tc]) c.close()
  })

  it('kicks and mutes are audited; a kicked admin loses the role', async () => {
    const { A } = get()
    const t = await classroom('set-kick')
    expect((await http(A.url, 'POST', '/api/rooms/set-kick/mutes', { userId: t.member.user.id, seconds: 30 }, t.owner.token)).status).toBe(
      204,
    )
    expect((await http(A.url, 'POST', '/api/rooms/set-kick/mutes', { userId: t.member.user.id, seconds: 0 }, t.owner.token)).status).toBe(
      204,
    )
    expect((await http(A.url, 'POST', '/api/rooms/set-kick/kicks', { userId: t.admin.user.id, seconds: 0 }, t.owner.token)).status).toBe(
      204,
    )
    await t.m.waitFor((x) => x.type === 'room' && x.info.admins.length === 0, 10_000)
    expect(await audit('set-kick')).toEqual(
      expect.arrayContaining([
        ['mute', t.owner.user.id, t.member.user.id],
        ['unmute', t.owner.user.id, t.member.user.id],
        ['kick', t.owner.user.id, t.admin.user.id],
      ]),
    )
    t.close()
  })
  it('a title change that lands while a join is under way reaches the joiner after its `joined`', async () => {
    const { A } = get()
    const owner = await login(A.url, 'Owner')
    const late = await login(A.url, 'Late')
    expect((await http(A.url, 'POST', '/api/rooms', { id: 'set-race', title: 'v0' }, owner.token)).status).toBe(201)
    // The join reads the room, then (before it is attached) the owner retitles it: the join's
    // snapshot says v0 and the `room` push went out to the members of then.
    const store = A.app.store
    const read = store.joinView.bind(store)
    store.joinView = async (roomId, userId) => {
      const view = await read(roomId, userId)
      if (userId === late.user.id) expect((await patch(A, 'set-race', { title: 'v1' }, owner)).status).toBe(200)
      return view
    }
    try {
      const c = await joinedClient(A, late.token, 'set-race')
      const joined = c.frames.find((f) => f.type === 'joined')
      expect(joined?.room.title).toBe('v0')
      const pushed = await c.waitFor((f) => f.type === 'room' && f.room === 'set-race', 5000)
      expect(pushed.info.title).toBe('v1')
      c.close()
    } finally {
      store.joinView = read
    }
  })
})
