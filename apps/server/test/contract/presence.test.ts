// §3.3 presence pushes, §3.5 joined.online, §2 GET /api/rooms/:id/online.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enc, expectError, http, joinedClient, login, sendText, startRoomy, type Login, type TestClient, type TestServer } from './support'

let s: TestServer
beforeAll(async () => {
  s = await startRoomy()
})
afterAll(async () => {
  await s?.close()
})

const presenceOf = (room: string, userId: string, status: string) => (f: any) =>
  f.type === 'presence' && f.room === room && f.user?.id === userId && f.status === status
const count = (c: TestClient, pred: (f: any) => boolean) => c.frames.filter(pred).length
const onlineIds = async (room: string, token: string) => {
  const r = await http(s.url, 'GET', `/api/rooms/${enc(room)}/online`, undefined, token)
  expect(r.status).toBe(200)
  return (r.body as any[]).map((u) => u.id).sort()
}

/** Ensures every push caused so far on the server has reached `watcher` (a message it sees comes after them). */
async function settle(room: string, speaker: TestClient, watcher: TestClient) {
  const { seq } = await sendText(speaker, room, 'sync')
  await watcher.waitFor((f) => f.type === 'message' && f.room === room && f.msg.seq === seq)
}

describe('presence pushes', () => {
  let alice: Login, bob: Login
  let a: TestClient
  const R = 'presence-tabs'
  beforeAll(async () => {
    alice = await login(s.url, 'Alice')
    bob = await login(s.url, 'Bob')
    a = await joinedClient(s, alice.token, R)
  })
  afterAll(() => a.close())

  it("a user's first connection joining says online, with the user object", async () => {
    const b1 = await joinedClient(s, bob.token, R)
    const p = await a.waitFor(presenceOf(R, bob.user.id, 'online'))
    expect(p).toEqual({ type: 'presence', room: R, user: bob.user, status: 'online' })
    b1.close()
    await a.waitFor(presenceOf(R, bob.user.id, 'offline'))
  })

  it('a second tab of the same user neither says online again nor offline when only one tab goes', async () => {
    const onlineBefore = count(a, presenceOf(R, bob.user.id, 'online'))
    const offlineBefore = count(a, presenceOf(R, bob.user.id, 'offline'))
    const b1 = await joinedClient(s, bob.token, R)
    await a.waitFor(() => count(a, presenceOf(R, bob.user.id, 'online')) > onlineBefore)
    const b2 = await joinedClient(s, bob.token, R)
    await settle(R, a, a)
    expect(count(a, presenceOf(R, bob.user.id, 'online'))).toBe(onlineBefore + 1)

    // The first tab leaves: Bob is still online through the second.
    expect(await b1.request({ type: 'leave', room: R })).toMatchObject({ type: 'left', room: R })
    await settle(R, a, a)
    expect(count(a, presenceOf(R, bob.user.id, 'offline'))).toBe(offlineBefore)
    expect(await onlineIds(R, alice.token)).toEqual([alice.user.id, bob.user.id].sort())

    // The last tab disconnects: now offline.
    b2.close()
    await a.waitFor(() => count(a, presenceOf(R, bob.user.id, 'offline')) === offlineBefore + 1)
    await expect.poll(() => onlineIds(R, alice.token)).toEqual([alice.user.id])
    b1.close()
  })

  it('leave by the last connection says offline', async () => {
    const offlineBefore = count(a, presenceOf(R, bob.user.id, 'offline'))
    const b1 = await joinedClient(s, bob.token, R)
    await b1.request({ type: 'leave', room: R })
    await a.waitFor(() => count(a, presenceOf(R, bob.user.id, 'offline')) === offlineBefore + 1)
    expect(await onlineIds(R, alice.token)).toEqual([alice.user.id])
    b1.close()
  })

  it('two tabs disconnecting one after the other give exactly one offline', async () => {
    // Bob's last change here was under a second ago: presence frames are coalesced to one a
    // second (v1.1 §H), so wait for a fresh slot, or the online would fold into the offline.
    await new Promise((r) => setTimeout(r, 1100))
    const onlineBefore = count(a, presenceOf(R, bob.user.id, 'online'))
    const offlineBefore = count(a, presenceOf(R, bob.user.id, 'offline'))
    const b1 = await joinedClient(s, bob.token, R)
    const b2 = await joinedClient(s, bob.token, R)
    b1.close()
    await b1.waitClose()
    b2.close()
    await a.waitFor(() => count(a, presenceOf(R, bob.user.id, 'offline')) > offlineBefore)
    await settle(R, a, a)
    expect(count(a, presenceOf(R, bob.user.id, 'online'))).toBe(onlineBefore + 1)
    expect(count(a, presenceOf(R, bob.user.id, 'offline'))).toBe(offlineBefore + 1)
  })

  it('presence is per room: joining another room says nothing here', async () => {
    const before = a.frames.length
    const elsewhere = await joinedClient(s, bob.token, 'presence-elsewhere')
    await settle(R, a, a)
    expect(a.frames.slice(before).filter((f) => f.type === 'presence')).toEqual([])
    elsewhere.close()
  })
})

describe('joined.online and GET /online', () => {
  it('joined.online includes the joiner, and everyone online once even with several tabs', async () => {
    const R = 'presence-online'
    const u1 = await login(s.url, 'One')
    const u2 = await login(s.url, 'Two')
    const first = await (await joinedClient(s, u1.token)).request({ type: 'join', room: R })
    expect(first.online).toEqual([u1.user])
    const x = await joinedClient(s, u1.token, R) // second tab of One
    const y = await joinedClient(s, u2.token)
    const j = await y.request({ type: 'join', room: R })
    expect(j.online.map((u: any) => u.id).sort()).toEqual([u1.user.id, u2.user.id].sort())
    expect(j.online.find((u: any) => u.id === u2.user.id)).toEqual(u2.user)
    expect(await onlineIds(R, u2.token)).toEqual([u1.user.id, u2.user.id].sort())
    x.close()
    y.close()
  })

  it('GET /online needs a token, knows nothing of unknown rooms (◆ 404) and refuses bad ids (400)', async () => {
    const u = await login(s.url, 'Asker')
    expectError(await http(s.url, 'GET', '/api/rooms/presence-online/online'), 'unauthorized')
    expectError(await http(s.url, 'GET', '/api/rooms/never-made-room/online', undefined, u.token), 'not_found')
    expectError(await http(s.url, 'GET', `/api/rooms/${enc('bad room')}/online`, undefined, u.token), 'bad_request')
  })

  it('◆ GET /online needs no membership for a group room', async () => {
    const R = 'presence-public'
    const m = await login(s.url, 'Member')
    const out = await login(s.url, 'Outsider')
    const c = await joinedClient(s, m.token, R)
    const r = await http(s.url, 'GET', `/api/rooms/${R}/online`, undefined, out.token)
    expect(r).toMatchObject({ status: 200, body: [m.user] })
    c.close()
  })

  it('a disconnect ends the subscription only: the user goes offline but stays a member', async () => {
    const R = 'presence-member'
    const u = await login(s.url, 'Leaver')
    const c = await joinedClient(s, u.token, R)
    c.close()
    await c.waitClose()
    await expect.poll(() => onlineIds(R, u.token)).toEqual([])
    expect((await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body.map((r: any) => r.id)).toContain(R)
  })
})
