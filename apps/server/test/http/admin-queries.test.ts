// v1.1 §G admin API: rooms (RoomInfo + members, online, lastSeq; by id, paged), users
// (name contains q, any case; banned), audit (newest first, paged, "operator" for the
// ADMIN_TOKEN), stats; all behind ADMIN_TOKEN. Run on SQLite and on Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '../helpers/app'
import { cid, http, login, TestClient } from '../helpers/client'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'

const ADMIN = 'admin-token-for-queries-0123'
const tag = Math.random().toString(36).slice(2, 7)

describe.each(['sqlite', 'postgres'] as const)('admin queries on %s', (dialect) => {
  let s: TestServer
  let pg: TestDatabase | null = null
  const admin = (path: string) => http(s.url, 'GET', path, undefined, ADMIN)

  beforeAll(async () => {
    const env: Record<string, string> = {
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET: 'admin-queries-jwt-secret-0123456789',
      // This file creates rooms by the hundred.
      ROOM_CREATE_RATE_LIMIT: '1000',
      API_RATE_LIMIT: '100000',
    }
    if (dialect === 'postgres') {
      pg = await createTestDatabase()
      env.DATABASE_URL = pg.url
    }
    s = await startServer(env)
  })
  afterAll(async () => {
    await s?.close()
    await pg?.drop()
  })

  it('refuses every endpoint without the admin token (401) and with a user token (403)', async () => {
    const u = await login(s.url, 'Nobody')
    for (const p of ['/api/admin/rooms', '/api/admin/users?q=a', '/api/admin/audit', '/api/admin/stats']) {
      expect((await http(s.url, 'GET', p)).status, p).toBe(401)
      expect((await http(s.url, 'GET', p, undefined, 'wrong-token')).status, p).toBe(401)
      expect((await http(s.url, 'GET', p, undefined, u.token)).status, p).toBe(403)
    }
  })

  it('lists rooms by id with RoomInfo, members, online and lastSeq, paged by `after`', async () => {
    const owner = await login(s.url, `Owner${tag}`)
    const guest = await login(s.url, `Guest${tag}`)
    const ids = ['b', 'a', 'c', 'a-1', 'a_2', 'B'].map((x) => `r${tag}-${x}`)
    for (const id of ids) expect((await http(s.url, 'POST', '/api/rooms', { id, title: `T ${id}` }, owner.token)).status).toBe(201)
    // Two people in the first room, one of them online, three messages.
    const room = ids[0]
    const o = await TestClient.connect(s.wsUrl, owner.token)
    await o.request({ type: 'join', room })
    const g = await TestClient.connect(s.wsUrl, guest.token)
    await g.request({ type: 'join', room })
    for (const text of ['one', 'two', 'three']) await o.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text } })
    g.close()
    await g.waitClose()

    const sorted = [...ids].sort()
    const all = await admin(`/api/admin/rooms?q=r${tag}&limit=100`)
    expect(all.status).toBe(200)
    expect(all.body.more).toBe(false)
    expect(all.body.rooms.map((r: any) => r.id)).toEqual(sorted)
    const r0 = all.body.rooms.find((r: any) => r.id === room)
    expect(r0).toMatchObject({
      id: room,
      title: `T ${room}`,
      kind: 'group',
      owner: owner.user.id,
      admins: [],
      access: 'open',
      mutedAll: false,
      announcement: null,
      stats: { likes: 0, flowers: 0 },
      members: 2,
      online: 1,
      lastSeq: 3,
    })
    expect(r0.lastMessage).toMatchObject({ seq: 3, body: { text: 'three' }, from: { id: owner.user.id } })
    const empty = all.body.rooms.find((r: any) => r.id === ids[1])
    expect(empty).toMatchObject({ members: 1, online: 0, lastSeq: 0, lastMessage: null })

    // Pages of two by `after` walk the same order with no gaps or repeats.
    const seen: string[] = []
    let after: string | undefined
    for (let page = 0; page < 10; page++) {
      const r = await admin(`/api/admin/rooms?q=r${tag}&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`)
      expect(r.body.rooms.length).toBeLessThanOrEqual(2)
      seen.push(...r.body.rooms.map((x: any) => x.id))
      after = seen[seen.length - 1]
      if (!r.body.more) break
    }
    expect(seen).toEqual(sorted)

    // Without q: every room, still by id (the default page is 30).
    const everything = await admin('/api/admin/rooms')
    const everyId = everything.body.rooms.map((r: any) => r.id)
    expect(everyId).toEqual([...everyId].sort())
    expect(everyId.length).toBeLessThanOrEqual(30)
    o.close()
  })

  it('keeps limit within 1–100: 30 by default, larger values cut to 100, bad ones refused', async () => {
    const u = await login(s.url, `Many${tag}`)
    for (let i = 0; i < 105; i++) {
      expect((await http(s.url, 'POST', '/api/rooms', { id: `m${tag}-${String(i).padStart(3, '0')}` }, u.token)).status).toBe(201)
    }
    expect((await admin(`/api/admin/rooms?q=m${tag}`)).body.rooms.length).toBe(30)
    const big = await admin(`/api/admin/rooms?q=m${tag}&limit=1000`)
    expect(big.status).toBe(200)
    expect(big.body.rooms.length).toBe(100)
    expect(big.body.more).toBe(true)
    for (const bad of ['0', '-1', 'x', '1.5']) expect((await admin(`/api/admin/rooms?limit=${bad}`)).status, bad).toBe(400)
    expect((await admin(`/api/admin/users?limit=0`)).status).toBe(400)
    expect((await admin(`/api/admin/audit?before=x`)).status).toBe(400)
  })

  it('finds users whose name contains q, ignoring case, with their ban state', async () => {
    const a = await login(s.url, `Zed${tag}Apple`)
    const b = await login(s.url, `zed${tag}APPLE pie`)
    await login(s.url, `Other${tag}`)
    expect((await http(s.url, 'POST', '/api/admin/bans', { userId: b.user.id }, ADMIN)).status).toBe(204)
    const r = await admin(`/api/admin/users?q=${encodeURIComponent(`ZED${tag}apple`)}`)
    expect(r.status).toBe(200)
    expect(r.body.users).toHaveLength(2)
    const byId = Object.fromEntries(r.body.users.map((u: any) => [u.id, u]))
    expect(byId[a.user.id]).toEqual({ ...a.user, banned: false })
    expect(byId[b.user.id]).toEqual({ ...b.user, banned: true })
    // `%` and `_` are plain characters in q.
    expect((await admin(`/api/admin/users?q=${encodeURIComponent(`zed${tag}%`)}`)).body.users).toEqual([])
    expect((await admin(`/api/admin/users?q=${encodeURIComponent(`_ed${tag}`)}`)).body.users).toEqual([])
    expect((await admin(`/api/admin/users?q=${encodeURIComponent(`${tag}apple pie`)}&limit=1`)).body.users.map((u: any) => u.id)).toEqual([
      b.user.id,
    ])
  })

  it('lists audit entries newest first with "operator" for ADMIN_TOKEN calls and user ids otherwise, paged by `before`', async () => {
    const owner = await login(s.url, `Mod${tag}`)
    const victim = await login(s.url, `Victim${tag}`)
    const room = `audit${tag}`
    await http(s.url, 'POST', '/api/rooms', { id: room }, owner.token)
    const v = await TestClient.connect(s.wsUrl, victim.token)
    await v.request({ type: 'join', room })
    expect((await http(s.url, 'POST', `/api/rooms/${room}/mutes`, { userId: victim.user.id, seconds: 60 }, owner.token)).status).toBe(204)
    expect((await http(s.url, 'POST', '/api/admin/bans', { userId: victim.user.id }, ADMIN)).status).toBe(204)
    expect((await http(s.url, 'DELETE', `/api/admin/bans/${victim.user.id}`, undefined, ADMIN)).status).toBe(204)
    v.close()

    const mine = await admin(`/api/admin/audit?user=${victim.user.id}`)
    expect(mine.status).toBe(200)
    expect(mine.body.entries.map((e: any) => e.action)).toEqual(['unban', 'ban', 'mute'])
    const [unban, ban, mute] = mine.body.entries
    expect(unban).toEqual({ id: expect.any(Number), ts: expect.any(Number), actor: 'operator', action: 'unban', target: victim.user.id })
    expect(ban).toMatchObject({ actor: 'operator', action: 'ban', target: victim.user.id })
    expect(ban).not.toHaveProperty('room')
    expect(mute).toMatchObject({ actor: owner.user.id, action: 'mute', room, target: victim.user.id })
    expect(unban.id).toBeGreaterThan(ban.id)
    expect(ban.id).toBeGreaterThan(mute.id)
    const inRoom = (await admin(`/api/admin/audit?room=${room}`)).body.entries
    expect(inRoom.every((e: any) => e.room === room)).toBe(true)
    expect(inRoom.map((e: any) => e.id)).toContain(mute.id)

    // The whole log, newest first, in pages of two.
    const full = (await admin('/api/admin/audit?limit=100')).body.entries.map((e: any) => e.id)
    expect(full).toEqual([...full].sort((x: number, y: number) => y - x))
    const paged: number[] = []
    let before: number | undefined
    for (;;) {
      const r = await admin(`/api/admin/audit?limit=2${before ? `&before=${before}` : ''}`)
      paged.push(...r.body.entries.map((e: any) => e.id))
      before = paged[paged.length - 1]
      if (!r.body.more) break
    }
    expect(paged.slice(0, full.length)).toEqual(full)
    expect(paged).toEqual([...new Set(paged)].sort((x, y) => y - x))
    expect(paged[paged.length - 1]).toBe(1)
  })

  it('counts nodes, connections, rooms and users', async () => {
    const before = (await admin('/api/admin/stats')).body
    expect(before).toMatchObject({ nodes: 1, connections: expect.any(Number), rooms: expect.any(Number), users: expect.any(Number) })
    const u = await login(s.url, `Stat${tag}`)
    await http(s.url, 'POST', '/api/rooms', { id: `stat${tag}` }, u.token)
    const c1 = await TestClient.connect(s.wsUrl, u.token)
    const c2 = await TestClient.connect(s.wsUrl, u.token)
    const after = (await admin('/api/admin/stats')).body
    expect(after.users).toBe(before.users + 1)
    expect(after.rooms).toBe(before.rooms + 1)
    expect(after.connections).toBe(before.connections + 2)
    expect(after.perNode).toEqual([{ node: expect.any(String), connections: after.connections, messagesPerMinute: expect.any(Number) }])
    await c1.request({ type: 'join', room: `stat${tag}` })
    await c1.request({ type: 'send', room: `stat${tag}`, cid: cid(), kind: 'text', body: { text: 'count me' } })
    expect((await admin('/api/admin/stats')).body.messagesPerMinute).toBeGreaterThanOrEqual(1)
    c1.close()
    c2.close()
  })
})
