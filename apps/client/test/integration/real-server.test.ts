import { existsSync } from 'node:fs'
// The stores against the real server process: what a user does, end to end, over real
// sockets and HTTP. Skipped (with a note) only while the server has no main.ts yet.
import { dmRoomId, type Message } from '@chat/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, fetchHttp, serverMain, startServer, until, type Client, type RunningServer } from '../support/real-server'

const texts = (c: Client, room: string) =>
  (c.messages.timeline(room)?.messages ?? []).filter((m) => m.kind === 'text').map((m) => (m.body as { text: string }).text)
const seqsOf = (c: Client, room: string) => (c.messages.timeline(room)?.messages ?? []).map((m) => m.seq)
const contiguous = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1)
const uniq = (p: string) => `${p}_${Math.random().toString(36).slice(2, 8)}`

describe('client stores against the real server', { timeout: 30_000 }, () => {
  let server: RunningServer
  let alice: Client
  let bob: Client

  beforeAll(async () => {
    expect(existsSync(serverMain)).toBe(true) // built by the globalSetup
    // The bulk tests send faster than a person; the rate limits have their own server tests.
    server = await startServer({ SEND_RATE_LIMIT: '10000', FRAME_RATE_LIMIT: '10000' })
    alice = await createClient(server.base, 'Alice')
    bob = await createClient(server.base, 'Bob')
  }, 240_000)

  afterAll(async () => {
    alice?.chat.logout()
    bob?.chat.logout()
    await server?.stop()
  })

  it('two users chat in a room: optimistic send, ack, delivery, no duplicates', async () => {
    const room = uniq('course')
    await alice.messages.join(room)
    await bob.messages.join(room)
    const r = alice.messages.send(room, 'text', { text: '  大家好  ' })
    expect(r.ok).toBe(true)
    expect(alice.messages.timeline(room)!.pending).toHaveLength(1)
    await until(() => texts(bob, room).includes('大家好'), 'bob receives')
    await until(() => alice.messages.timeline(room)!.pending.length === 0, 'alice acked')
    expect(texts(alice, room)).toEqual(['大家好'])
    expect(texts(bob, room)).toEqual(['大家好'])
    const mine = alice.messages.timeline(room)!.messages[0]
    expect(mine).toMatchObject({ seq: 1, from: { id: alice.me.id, name: 'Alice' } })
    bob.messages.send(room, 'text', { text: '你好 Alice' })
    await until(() => texts(alice, room).length === 2, 'alice receives the reply')
    expect(seqsOf(alice, room)).toEqual([1, 2])
    expect(seqsOf(bob, room)).toEqual([1, 2])
  })

  it('sees who is online and follows presence', async () => {
    const room = uniq('live')
    await alice.messages.join(room)
    await bob.messages.join(room)
    await until(() => alice.rooms.online[room]?.length === 2, 'alice sees two online')
    expect(alice.rooms.online[room].map((u) => u.name).sort()).toEqual(['Alice', 'Bob'])
    bob.messages.leave(room)
    await until(() => alice.rooms.online[room]?.length === 1, 'bob gone')
  })

  it("likes, flowers, a question and the host's answer, and a recall", async () => {
    const room = uniq('class')
    await alice.rooms.create({ id: room, title: '高数第一课' }) // Alice owns it: she may answer
    await alice.messages.join(room)
    await bob.messages.join(room)
    bob.messages.send(room, 'like', {})
    bob.messages.send(room, 'flower', { count: 3 })
    bob.messages.send(room, 'question', { text: '什么时候考试?' })
    await until(() => alice.messages.timeline(room)!.size === 3, "alice has bob's three")
    const tl = alice.messages.timeline(room)!
    expect(tl.likes).toBe(1)
    expect(tl.flowers).toBe(3)
    const q = tl.messages.find((m) => m.kind === 'question')!
    alice.messages.send(room, 'answer', { question: q.seq, text: '下周五' })
    await until(() => bob.messages.timeline(room)!.answers.get(q.seq), 'bob sees the answer')
    expect((bob.messages.timeline(room)!.answers.get(q.seq)!.body as { text: string }).text).toBe('下周五')

    // Bob may not answer (not the host): the send fails for good.
    const r = bob.messages.send(room, 'answer', { question: q.seq, text: '我猜明天' })
    await until(() => bob.messages.timeline(room)!.pending[0]?.status === 'failed', 'refused answer')
    expect(bob.messages.timeline(room)!.pending[0]).toMatchObject({ error: 'forbidden', permanent: true, cid: r.ok && r.cid })

    await bob.messages.recall(room, q.seq)
    await until(() => alice.messages.timeline(room)!.get(q.seq)?.recalled, 'alice sees the recall')
    expect(alice.messages.timeline(room)!.get(q.seq)!.body).toEqual({})
  })

  it('comes back from the background to every message missed, in order, once', async () => {
    const room = uniq('resume')
    await alice.messages.join(room)
    await bob.messages.join(room)
    alice.messages.send(room, 'text', { text: 'before' })
    await until(() => texts(bob, room).length === 1, 'bob has the first')
    bob.chat.onHide()
    expect(bob.conn.state).toBe('paused')
    for (let i = 0; i < 40; i++) alice.messages.send(room, 'text', { text: `while away ${i}` })
    await until(() => alice.messages.timeline(room)!.pending.length === 0, 'all acked')
    bob.chat.onShow()
    await until(() => texts(bob, room).length === 41, 'bob caught up')
    expect(contiguous(seqsOf(bob, room))).toBe(true)
    expect(texts(bob, room)).toEqual(texts(alice, room))
  })

  it('sends made while the socket is down go out once it is back, with the same cid, once', async () => {
    const room = uniq('outbox')
    await alice.messages.join(room)
    await bob.messages.join(room)
    alice.chat.onHide()
    const r = alice.messages.send(room, 'text', { text: 'queued' })
    expect(r.ok).toBe(true)
    alice.chat.onShow()
    await until(() => texts(bob, room).includes('queued'), 'bob gets the queued message')
    await until(() => alice.messages.timeline(room)!.pending.length === 0, 'acked')
    // The server dedupes a resend of the same cid (as after a lost ack): still one message.
    const token = alice.session.token!
    const again = await fetchHttp({
      method: 'POST',
      url: `${server.base}/api/rooms/${room}/messages`,
      token,
      body: { cid: r.ok ? r.cid : '', kind: 'text', body: { text: 'queued' } },
    })
    expect(again.status).toBe(200)
    expect((again.data as { seq: number }).seq).toBe(1)
    await new Promise((res) => setTimeout(res, 200))
    expect(texts(bob, room)).toEqual(['queued'])
  })

  it('reconnects by itself when the line drops, and repairs what it missed', async () => {
    const room = uniq('drop')
    await alice.messages.join(room)
    await bob.messages.join(room)
    for (const s of bob.sockets) s.terminate()
    for (let i = 0; i < 5; i++) alice.messages.send(room, 'text', { text: `m${i}` })
    await until(() => bob.conn.live && texts(bob, room).length === 5, 'bob reconnected and caught up', 15_000)
    expect(contiguous(seqsOf(bob, room))).toBe(true)
  })

  it('lists joined rooms with unread counts and the last message', async () => {
    const room = uniq('unread')
    await alice.messages.join(room)
    await bob.messages.join(room)
    bob.rooms.setActive(null)
    alice.messages.send(room, 'text', { text: 'one' })
    alice.messages.send(room, 'text', { text: 'two' })
    await until(() => texts(bob, room).length === 2, 'bob got both')
    expect(bob.rooms.list.find((r) => r.id === room)).toMatchObject({ unread: 2 })
    await bob.rooms.refresh()
    const summary = bob.rooms.list.find((r) => r.id === room)!
    expect(summary.unread).toBe(2)
    expect((summary.lastMessage as Message).body).toEqual({ text: 'two' })
    bob.rooms.setActive(room)
    bob.messages.markRead(room)
    await until(async () => true, 'x')
    await new Promise((res) => setTimeout(res, 200))
    await bob.rooms.refresh()
    expect(bob.rooms.list.find((r) => r.id === room)!.unread).toBe(0)
  })

  it('a 1:1 chat is private to its two users', async () => {
    const dm = dmRoomId(alice.me.id, bob.me.id)
    await alice.messages.join(dm)
    await bob.messages.join(dm)
    alice.messages.send(dm, 'text', { text: '私聊一下' })
    await until(() => texts(bob, dm).includes('私聊一下'), 'bob gets the dm')
    expect(bob.rooms.titleOf(dm)).toBe('Alice')
    const carol = await createClient(server.base, 'Carol')
    await carol.messages.join(dm)
    expect(carol.messages.joinError[dm]).toBe('forbidden')
    expect(carol.messages.isJoined(dm)).toBe(false)
    carol.chat.logout()
  })

  it('a refused token ends the session', async () => {
    const eve = await createClient(server.base, 'Eve')
    eve.session.token = 'not-a-token'
    for (const s of eve.sockets) s.terminate()
    await until(() => eve.conn.state === 'stopped', 'stopped on 4001', 15_000)
    expect(eve.conn.fatal).toBe(4001)
    expect(eve.session.token).toBeNull()
  })
})
