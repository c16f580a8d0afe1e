import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TYPING_EVERY_MS } from '../../src/stores/chat'
import { useConnectionStore } from '../../src/stores/connection'
import { useMessagesStore } from '../../src/stores/messages'
import { advance, bootStores } from '../support/store-setup'

describe('chat store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('boots connected from a saved session', async () => {
    const env = bootStores()
    await advance(1)
    expect(env.conn.state).toBe('open')
    expect(env.conn.live).toBe(true)
  })

  it('a token the server refuses (4001) logs the user out', async () => {
    const env = bootStores()
    await advance(1)
    env.server.last.kill(4001)
    expect(env.conn.fatal).toBe(4001)
    expect(env.session.token).toBeNull()
    await advance(60_000)
    expect(env.server.sockets).toHaveLength(1)
  })

  it('hides and shows: pauses the socket and resumes without backoff', async () => {
    const env = bootStores()
    await advance(1)
    env.chat.onHide()
    expect(env.conn.state).toBe('paused')
    env.chat.onShow()
    await advance(1)
    expect(env.conn.state).toBe('open')
    expect(env.server.sockets).toHaveLength(2)
  })

  it('sends typing at most once every few seconds per room', async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('lobby')
    for (let i = 0; i < 10; i++) env.chat.typing('lobby')
    await advance(TYPING_EVERY_MS)
    env.chat.typing('lobby')
    expect(env.server.last.sent.filter((f) => f.type === 'typing')).toHaveLength(2)
  })

  it("logout closes the socket and forgets the previous user's messages", async () => {
    const env = bootStores()
    await advance(1)
    await env.messages.join('lobby')
    env.messages.send('lobby', 'text', { text: 'bye' })
    env.chat.logout()
    expect(env.server.live).toHaveLength(0)
    expect(env.session.token).toBeNull()
    expect(useMessagesStore().timeline('lobby')).toBeUndefined()
    expect(useConnectionStore().state).toBe('idle')
  })
})
