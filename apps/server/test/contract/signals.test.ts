// §3.2 typing and read: no reply; typing reaches the others, read reaches the room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { barrier, joinedClient, login, sendText, startRoomy, type Login, type TestClient, type TestServer } from './support'

let s: TestServer
let alice: Login, bob: Login
let a: TestClient, a2: TestClient, b: TestClient, outsider: TestClient
const R = 'signals'

beforeAll(async () => {
  s = await startRoomy()
  alice = await login(s.url, 'Alice')
  bob = await login(s.url, 'Bob')
  a = await joinedClient(s, alice.token, R)
  a2 = await joinedClient(s, alice.token, R) // Alice's other device
  b = await joinedClient(s, bob.token, R)
  outsider = await joinedClient(s, bob.token, 'signals-other') // Bob, but not in R on this socket
  await sendText(b, R, 'something to read')
})
afterAll(async () => {
  for (const c of [a, a2, b, outsider]) c?.close()
  await s?.close()
})

describe('typing', () => {
  it('reaches the other users in the room as {type, room, user object}', async () => {
    a.send({ type: 'typing', room: R })
    const t = await b.waitFor((f) => f.type === 'typing')
    expect(t).toEqual({ type: 'typing', room: R, user: alice.user })
  })

  it("does not come back to the sender, nor (◆) to the sender's other connections, nor to sockets outside the room", async () => {
    // From Alice's other device (typing hints are limited per connection to one a second).
    const bBefore = b.frames.filter((f) => f.type === 'typing').length
    a2.send({ type: 'typing', room: R })
    await b.waitFor(() => b.frames.filter((f) => f.type === 'typing').length > bBefore)
    // Everything the typing caused has been written before these round trips end.
    const { seq } = await sendText(a2, R, 'after typing')
    await a.waitFor((f) => f.type === 'message' && f.msg.seq === seq)
    await barrier(outsider)
    expect(a.frames.filter((f) => f.type === 'typing')).toEqual([])
    expect(a2.frames.filter((f) => f.type === 'typing')).toEqual([])
    expect(outsider.frames.filter((f) => f.type === 'typing')).toEqual([])
  })

  it('gets no reply, even with an id', async () => {
    b.send({ type: 'typing', id: 'ty-1', room: R })
    await a.waitFor((f) => f.type === 'typing' && f.user.id === bob.user.id)
    await barrier(b)
    expect(b.frames.filter((f) => f.id === 'ty-1')).toEqual([])
  })

  it('is not stored', async () => {
    const h = await a.request({ type: 'history', room: R, after: 0, limit: 100 })
    expect(h.messages.every((m: any) => m.kind !== 'typing')).toBe(true)
    expect(h.messages.map((m: any) => m.body.text)).toEqual(['something to read', 'after typing'])
  })
})

describe('read', () => {
  it('the room gets {type:"read", room, user: id, seq}, the reader\'s connections included', async () => {
    b.send({ type: 'read', room: R, seq: 1 })
    for (const c of [a, a2, b]) {
      const r = await c.waitFor((f) => f.type === 'read' && f.user === bob.user.id)
      expect(r).toEqual({ type: 'read', room: R, user: bob.user.id, seq: 1 })
    }
  })

  it('gets no reply, even with an id', async () => {
    a.send({ type: 'read', id: 'rd-1', room: R, seq: 1 })
    await barrier(a)
    expect(a.frames.filter((f) => f.id === 'rd-1')).toEqual([])
    const push = await b.waitFor((f) => f.type === 'read' && f.user === alice.user.id)
    expect(push.id).toBeUndefined()
  })

  it('does not reach sockets that have not joined the room', async () => {
    await barrier(outsider)
    expect(outsider.frames.filter((f) => f.type === 'read')).toEqual([])
  })
})

describe('pushes carry no id', () => {
  it('message, presence, typing and read pushes have no id', async () => {
    const pushes = [...a.frames, ...a2.frames, ...b.frames].filter((f) => ['message', 'presence', 'typing', 'read'].includes(f.type))
    expect(pushes.length).toBeGreaterThan(4)
    for (const p of pushes) expect(p).not.toHaveProperty('id')
  })
})
