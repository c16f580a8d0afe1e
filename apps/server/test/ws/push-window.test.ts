// A room with ≥ 100 members on the node waits up to PUSH_WINDOW_MS before writing a push
// (realtime/room-feed.ts). Whatever waits there must still reach a socket before anything
// the contract orders after it: a message before its `recalled`, and before `left`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { joinedClient, startRoomy, type TestServer } from '../contract/support'
import { cid, login, type TestClient } from '../helpers/client'

const ROOM = 'big-lecture'

describe('pushes waiting for the window in a big room', () => {
  let s: TestServer
  let alice: TestClient
  let bob: TestClient
  const others: TestClient[] = []

  beforeAll(async () => {
    s = await startRoomy({ PUSH_WINDOW_MS: '1000', MAX_CONNS_PER_USER: '200' })
    const a = await login(s.url, 'Alice')
    const b = await login(s.url, 'Bob')
    alice = await joinedClient(s, a.token, ROOM)
    bob = await joinedClient(s, b.token, ROOM)
    // One listener's many tabs fill the room to 100 local members without a presence storm.
    const c = await login(s.url, 'Listener')
    for (let i = 0; i < 98; i++) others.push(await joinedClient(s, c.token, ROOM))
  }, 60_000)

  afterAll(async () => {
    for (const c of [alice, bob, ...others]) c?.close()
    await s?.close()
  })

  const send = async (text: string) => {
    const ack = await alice.request({ type: 'send', room: ROOM, cid: cid(), kind: 'text', body: { text } })
    expect(ack.type).toBe('ack')
    return ack.seq as number
  }

  it('a recall right after a message in a busy room reaches everyone after that message', async () => {
    await send('first: the room was quiet, written at once')
    const seq = await send('second: waits for the window')
    const r = await alice.request({ type: 'recall', room: ROOM, seq })
    expect(r.type).toBe('recalled')
    const recalledAt = bob.frames.indexOf(await bob.waitFor((f) => f.type === 'recalled' && f.seq === seq))
    const messageAt = bob.frames.findIndex((f) => f.type === 'message' && f.msg.seq === seq)
    expect(messageAt).toBeGreaterThanOrEqual(0)
    expect(messageAt).toBeLessThan(recalledAt)
  })

  it('a leave right after a message gets the message before `left`', async () => {
    await send('third: written at once or soon')
    const seq = await send('fourth: waits for the window')
    const left = await bob.request({ type: 'leave', room: ROOM })
    expect(left.type).toBe('left')
    const leftAt = bob.frames.indexOf(left)
    const messageAt = bob.frames.findIndex((f) => f.type === 'message' && f.msg.seq === seq)
    expect(messageAt).toBeGreaterThanOrEqual(0)
    expect(messageAt).toBeLessThan(leftAt)
    // And every seq once, in order, up to it.
    const seqs = bob.messages(ROOM).map((m) => m.seq)
    expect(seqs).toEqual(Array.from({ length: seq }, (_, i) => i + 1))
  })
})
