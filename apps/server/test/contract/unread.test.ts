// §3.3: "A new member's read mark starts at the room's lastSeq. `unread` counts others'
// messages above the user's read mark." Read through GET /api/rooms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  barrier,
  cid,
  fill,
  http,
  joinedClient,
  login,
  roomEntry,
  sendText,
  startRoomy,
  type Login,
  type TestClient,
  type TestServer,
} from './support'

let s: TestServer
let alice: Login, bob: Login
let a: TestClient, b: TestClient
const R = 'unread-room'

beforeAll(async () => {
  s = await startRoomy()
  alice = await login(s.url, 'Alice')
  bob = await login(s.url, 'Bob')
  a = await joinedClient(s, alice.token, R)
  await fill(a, R, 3) // seqs 1–3, before Bob is a member
})
afterAll(async () => {
  a?.close()
  b?.close()
  await s?.close()
})

const unread = async (who: Login) => (await roomEntry(s, who.token, R)).unread
/** Moves Bob's mark and waits for the room to hear about it. */
async function bobReads(seq: number) {
  const from = b.frames.length
  b.send({ type: 'read', room: R, seq })
  return b.waitFor((f) => f.type === 'read' && f.user === bob.user.id, 5000, from)
}

describe('unread counts', () => {
  it("a new member's mark starts at lastSeq: 0 unread although the room has 3 messages", async () => {
    b = await joinedClient(s, bob.token, R)
    const entry = await roomEntry(s, bob.token, R)
    expect(entry).toMatchObject({ id: R, lastSeq: 3, unread: 0 })
  })

  it("counts others' messages above the mark, over the socket and HTTP", async () => {
    await sendText(a, R, 'four')
    expect(
      (await http(s.url, 'POST', `/api/rooms/${R}/messages`, { cid: cid(), kind: 'text', body: { text: 'five' } }, alice.token)).status,
    ).toBe(200)
    expect(await unread(bob)).toBe(2)
  })

  it("never counts the user's own messages", async () => {
    await sendText(b, R, "Bob's own")
    expect(await unread(bob)).toBe(2)
    // Alice joined at 0 and wrote 1–5; only Bob's message is unread for her.
    expect(await unread(alice)).toBe(1)
  })

  it('read lowers the count to the messages above the new mark', async () => {
    expect(await bobReads(4)).toMatchObject({ seq: 4 })
    expect(await unread(bob)).toBe(1)
    await bobReads(6)
    expect(await unread(bob)).toBe(0)
  })

  it('◆ read never lowers the mark, and a read that does not raise it is pushed to nobody (v1.1 §H)', async () => {
    const from = a.frames.length
    const fromB = b.frames.length
    b.send({ type: 'read', room: R, seq: 2 })
    b.send({ type: 'read', room: R, seq: 6 })
    await barrier(b)
    await barrier(a)
    expect([...a.frames.slice(from), ...b.frames.slice(fromB)].filter((f) => f.type === 'read')).toEqual([])
    await sendText(a, R, 'seven')
    expect(await unread(bob)).toBe(1)
  })

  it('◆ a seq above lastSeq is clamped to lastSeq (later messages still count)', async () => {
    const last = (await roomEntry(s, bob.token, R)).lastSeq
    expect(await bobReads(last + 1000)).toMatchObject({ seq: last })
    expect(await unread(bob)).toBe(0)
    await sendText(a, R, 'after the clamp')
    expect(await unread(bob)).toBe(1)
  })

  it('keeps counting while the user is offline (a disconnect keeps the membership)', async () => {
    const before = await unread(bob)
    b.close()
    await b.waitClose()
    await fill(a, R, 3, 'while away ')
    expect(await unread(bob)).toBe(before + 3)
  })

  it('a mark set from one connection holds for the user on the next', async () => {
    b = await joinedClient(s, bob.token, R)
    const last = (await roomEntry(s, bob.token, R)).lastSeq
    await bobReads(last)
    b.close()
    await b.waitClose()
    b = await joinedClient(s, bob.token, R)
    expect(await unread(bob)).toBe(0)
  })

  it('the mark of a re-joining member (after leave) starts again at lastSeq', async () => {
    await b.request({ type: 'leave', room: R })
    await fill(a, R, 2, 'while gone ')
    expect(await roomEntry(s, bob.token, R)).toBeUndefined()
    await b.request({ type: 'join', room: R })
    expect(await unread(bob)).toBe(0)
  })
})
