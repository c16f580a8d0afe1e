// Socket sends read the sender's membership from a per-node cache (realtime/member-cache.ts)
// instead of the store. Every change of standing made on one node must be seen by the very
// next send on the other: each step below first sends (so the entry is cached on B), then
// changes the standing through A, then sends on B at once.
import { expect, it } from 'vitest'
import { bothSetups } from './host-setups'
import { cid, http, joinedClient, login, sendText } from './support'

bothSetups('send membership cache', (get) => {
  it('mutes, unmutes, 全员禁言, appointments, leaves and kicks on one node apply to the next send on the other', async () => {
    const { A, B } = get()
    const owner = await login(A.url, 'CacheHost')
    const m = await login(B.url, 'CacheMember')
    const room = 'send-cache'
    expect((await http(A.url, 'POST', '/api/rooms', { id: room }, owner.token)).status).toBe(201)
    const co = await joinedClient(A, owner.token, room)
    const cm = await joinedClient(B, m.token, room)
    const ok = async () => expect(await sendText(cm, room, 'hi')).toMatchObject({ type: 'ack' })
    const refused = async (code: string) => expect(await sendText(cm, room, 'no')).toMatchObject({ type: 'error', code })
    const post = async (what: string, body: unknown) =>
      expect((await http(A.url, 'POST', `/api/rooms/${room}/${what}`, body, owner.token)).status).toBe(204)

    await ok()
    await post('mutes', { userId: m.user.id, seconds: 60 })
    await refused('muted')
    await post('mutes', { userId: m.user.id, seconds: 0 })
    await ok()

    expect((await http(A.url, 'PATCH', `/api/rooms/${room}`, { mutedAll: true }, owner.token)).status).toBe(200)
    await refused('muted')
    expect((await http(A.url, 'PATCH', `/api/rooms/${room}`, { mutedAll: false }, owner.token)).status).toBe(200)
    await ok()

    // A role: answering needs a host, so the cached plain member is refused until appointed.
    const q = await sendText(co, room, '?', { kind: 'question' })
    const answer = () => cm.request({ type: 'send', room, cid: cid(), kind: 'answer', body: { question: q.seq, text: '!' } })
    expect(await answer()).toMatchObject({ type: 'error', code: 'forbidden' })
    await post('admins', { userId: m.user.id })
    expect(await answer()).toMatchObject({ type: 'ack' })

    // A leave on another tab (the other node) ends the membership; this tab's next send renews it.
    const tab = await joinedClient(A, m.token, room)
    await ok()
    expect(await tab.request({ type: 'leave', room })).toMatchObject({ type: 'left' })
    expect((await http(A.url, 'GET', '/api/rooms', undefined, m.token)).body.map((r: { id: string }) => r.id)).not.toContain(room)
    await ok()
    expect((await http(A.url, 'GET', '/api/rooms', undefined, m.token)).body.map((r: { id: string }) => r.id)).toContain(room)

    // Appointed admins cannot be kicked: step back down first (a `room` push), then the kick.
    expect((await http(A.url, 'DELETE', `/api/rooms/${room}/admins/${m.user.id}`, undefined, owner.token)).status).toBe(204)
    expect(await answer()).toMatchObject({ type: 'error', code: 'forbidden' })
    await post('kicks', { userId: m.user.id, seconds: 600 })
    await refused('not_joined')
    for (const c of [co, cm, tab]) c.close()
  })
})
