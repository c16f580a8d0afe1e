// v1.1 §D on the client: [有人@我] follows `mentioned` from /api/rooms and live messages that
// mention me; opening the room clears it. The body sent from the chat page carries `mentions`.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { advance, alice, bob, bootStores } from '../support/store-setup'

describe('mentions in the stores', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('mentioned comes from /api/rooms, is set by a live mention of me (not of others) and cleared by opening the room', async () => {
    const env = bootStores({
      http: async (req) =>
        req.url.endsWith('/api/rooms')
          ? { status: 200, data: [{ id: 'c1', title: 'c1', kind: 'group', lastSeq: 2, unread: 1, lastMessage: null, mentioned: true }] }
          : { status: 200, data: alice },
    })
    await env.rooms.refresh()
    expect(env.rooms.list[0].mentioned).toBe(true)
    env.rooms.setActive('c1')
    expect(env.rooms.list[0].mentioned).toBe(false)
    env.rooms.setActive(null)
    await env.messages.join('c2')
    await advance(1)
    const say = (body: { text: string; mentions?: string[] }) => {
      const msg = env.server.store('c2', bob, 'text', body)
      for (const sock of env.server.live) if (sock.rooms.has('c2')) sock.push({ type: 'message', room: 'c2', msg })
    }
    say({ text: '@Carol 看', mentions: ['u_carol'] })
    say({ text: 'hi' })
    await advance(1)
    expect(env.rooms.list.find((r) => r.id === 'c2')?.mentioned).toBeFalsy()
    say({ text: '@Alice 看这里', mentions: [alice.id] })
    await advance(1)
    expect(env.rooms.list.find((r) => r.id === 'c2')).toMatchObject({ mentioned: true, unread: 3 })
  })

  it('a text sent with mentions carries them on the wire', async () => {
    const env = bootStores()
    await env.messages.join('c3')
    await advance(1)
    env.messages.send('c3', 'text', { text: '@Bob 你好', mentions: [bob.id] })
    await advance(1)
    const frame = env.server.last.sent.find((f) => f.type === 'send') as { body: unknown } | undefined
    expect(frame?.body).toEqual({ text: '@Bob 你好', mentions: [bob.id] })
  })
})
