// v1.1 §A invite rooms: codes (owner and admins; get, rotate), the `invite` field of join.
import { expect, it } from 'vitest'
import { bothSetups } from './host-setups'
import { expectError, http, joinedClient, login, TestClient, type Login } from './support'

bothSetups('invite rooms', (get) => {
  async function inviteRoom(id: string) {
    const { A } = get()
    const owner = await login(A.url, 'Owner')
    expect((await http(A.url, 'POST', '/api/rooms', { id, title: 'Invite only', access: 'invite' }, owner.token)).status).toBe(201)
    return owner
  }
  const join = async (url: string, who: Login, room: string, invite?: unknown) => {
    const c = await TestClient.connect(url, who.token)
    const r = await c.request({ type: 'join', room, ...(invite === undefined ? {} : { invite }) })
    c.close()
    return r
  }

  it('GET …/invite → {code} (≥8 characters) for the owner and admins, the same each time; others 403', async () => {
    const { A, B } = get()
    const owner = await inviteRoom('inv-get')
    const [admin, x] = [await login(A.url, 'Admin'), await login(A.url, 'X')]
    const code = (await http(A.url, 'GET', '/api/rooms/inv-get/invite', undefined, owner.token)).body.code
    expect(code).toMatch(/^.{8,}$/)
    expect(await join(B.wsUrl, admin, 'inv-get', code)).toMatchObject({ type: 'joined', role: 'member' })
    expect((await http(A.url, 'POST', '/api/rooms/inv-get/admins', { userId: admin.user.id }, owner.token)).status).toBe(204)
    expect((await http(B.url, 'GET', '/api/rooms/inv-get/invite', undefined, admin.token)).body).toEqual({ code })
    expectError(await http(B.url, 'GET', '/api/rooms/inv-get/invite', undefined, x.token), 'forbidden')
    expectError(await http(B.url, 'POST', '/api/rooms/inv-get/invite', undefined, x.token), 'forbidden')
    expectError(await http(B.url, 'GET', '/api/rooms/inv-nowhere/invite', undefined, owner.token), 'not_found')
  })

  it('a non-member needs the code: none or a wrong one → forbidden; the right one joins', async () => {
    const { A, B } = get()
    const owner = await inviteRoom('inv-join')
    const v = await login(A.url, 'Viewer')
    const { code } = (await http(A.url, 'GET', '/api/rooms/inv-join/invite', undefined, owner.token)).body
    expect(await join(B.wsUrl, v, 'inv-join')).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await join(B.wsUrl, v, 'inv-join', 'wrong-code-123')).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await join(B.wsUrl, v, 'inv-join', 42)).toMatchObject({ type: 'error', code: 'bad_request' })
    expect((await http(A.url, 'GET', '/api/rooms', undefined, v.token)).body.map((r: any) => r.id)).not.toContain('inv-join')
    expect(await join(B.wsUrl, v, 'inv-join', code)).toMatchObject({ type: 'joined', room: { access: 'invite' } })
    // A member comes back (and resumes) without it.
    expect(await join(A.wsUrl, v, 'inv-join')).toMatchObject({ type: 'joined' })
    const c = await TestClient.connect(B.wsUrl, v.token, { 'inv-join': 0 })
    expect(await c.waitFor((f) => f.type === 'joined')).toMatchObject({ room: { id: 'inv-join' } })
    c.close()
  })

  it('POST …/invite makes a new code; the old one stops working; audited as invite.reset', async () => {
    const { A, B } = get()
    const owner = await inviteRoom('inv-reset')
    const v = await login(A.url, 'Viewer')
    const old = (await http(A.url, 'GET', '/api/rooms/inv-reset/invite', undefined, owner.token)).body.code
    const r = await http(B.url, 'POST', '/api/rooms/inv-reset/invite', undefined, owner.token)
    expect(r.status).toBe(200)
    expect(r.body.code).toMatch(/^.{8,}$/)
    expect(r.body.code).not.toBe(old)
    expect((await http(A.url, 'GET', '/api/rooms/inv-reset/invite', undefined, owner.token)).body.code).toBe(r.body.code)
    expect(await join(A.wsUrl, v, 'inv-reset', old)).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await join(A.wsUrl, v, 'inv-reset', r.body.code)).toMatchObject({ type: 'joined' })
    expect((await A.app.store.listAudit('inv-reset', 10)).map((e) => [e.action, e.actorId])).toContainEqual(['invite.reset', owner.user.id])
  })

  it('the owner and admins rejoin without a code after leaving; a kicked user needs one again', async () => {
    const { A, B } = get()
    const owner = await inviteRoom('inv-rejoin')
    const [admin, v] = [await login(A.url, 'Admin'), await login(A.url, 'Kicked')]
    const { code } = (await http(A.url, 'GET', '/api/rooms/inv-rejoin/invite', undefined, owner.token)).body
    await join(A.wsUrl, admin, 'inv-rejoin', code)
    await join(A.wsUrl, v, 'inv-rejoin', code)
    await http(A.url, 'POST', '/api/rooms/inv-rejoin/admins', { userId: admin.user.id }, owner.token)
    for (const who of [owner, admin]) {
      const c = await joinedClient(B, who.token, 'inv-rejoin')
      expect(await c.request({ type: 'leave', room: 'inv-rejoin' })).toMatchObject({ type: 'left' })
      expect(await c.request({ type: 'join', room: 'inv-rejoin' })).toMatchObject({ type: 'joined' })
      c.close()
    }
    expect((await http(A.url, 'POST', '/api/rooms/inv-rejoin/kicks', { userId: v.user.id, seconds: 0 }, admin.token)).status).toBe(204)
    expect(await join(B.wsUrl, v, 'inv-rejoin')).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await join(B.wsUrl, v, 'inv-rejoin', code)).toMatchObject({ type: 'joined' })
  })

  it('open rooms ignore `invite`; an open room has a code too, used once it turns invite-only', async () => {
    const { A, B } = get()
    const owner = await login(A.url, 'Owner')
    await http(A.url, 'POST', '/api/rooms', { id: 'inv-open', title: 'Open' }, owner.token)
    const [v, w] = [await login(A.url, 'V'), await login(A.url, 'W')]
    expect(await join(A.wsUrl, v, 'inv-open', 'whatever-code')).toMatchObject({ type: 'joined' })
    const { code } = (await http(A.url, 'GET', '/api/rooms/inv-open/invite', undefined, owner.token)).body
    expect(code).toMatch(/^.{8,}$/)
    expect((await http(B.url, 'PATCH', '/api/rooms/inv-open', { access: 'invite' }, owner.token)).body).toMatchObject({ access: 'invite' })
    expect(await join(B.wsUrl, w, 'inv-open')).toMatchObject({ type: 'error', code: 'forbidden' })
    expect(await join(B.wsUrl, w, 'inv-open', code)).toMatchObject({ type: 'joined' })
    // A room that turns invite-only without a code read before gets one.
    await http(A.url, 'POST', '/api/rooms', { id: 'inv-later', title: 'Later' }, owner.token)
    await http(A.url, 'PATCH', '/api/rooms/inv-later', { access: 'invite' }, owner.token)
    const later = (await http(A.url, 'GET', '/api/rooms/inv-later/invite', undefined, owner.token)).body.code
    expect(await join(B.wsUrl, w, 'inv-later', later)).toMatchObject({ type: 'joined' })
  })
})
