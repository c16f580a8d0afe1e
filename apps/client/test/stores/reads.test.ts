import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HttpRequest } from '../../src/engine/types'
import { useReadsStore } from '../../src/stores/reads'
import { advance, alice, bootStores } from '../support/store-setup'

const joined = (room: string, online: number) => ({
  type: 'joined',
  room: { id: room, title: room, kind: room.startsWith('dm:') ? 'dm' : 'group' },
  lastSeq: 9,
  online: Array.from({ length: online }, (_, i) => (i === 0 ? alice : { id: `u_${i}`, name: `U${i}`, avatar: null })),
  messages: [],
  more: false,
})

function boot(status = 200) {
  const asked: string[] = []
  const state = { bobSeq: 3 }
  const env = bootStores({
    http: async (req: HttpRequest) => {
      const m = /\/api\/rooms\/([^/]+)\/reads$/.exec(req.url)
      if (!m) return { status: 200, data: alice }
      asked.push(decodeURIComponent(m[1]))
      return status === 200
        ? { status, data: { reads: [{ user: 'u_bob', seq: state.bobSeq }] } }
        : { status, data: { error: 'unavailable' } }
    },
  })
  return { env, asked, state, reads: useReadsStore() }
}

describe('reads store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('takes a snapshot of the marks on each join of the room on screen, and only ever raises a mark', async () => {
    const { env, asked, state, reads } = boot()
    await advance(1)
    env.rooms.setActive('lobby')
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 3 })
    // A live push raises it; a later snapshot with an older mark does not lower it.
    env.server.last.push({ type: 'read', room: 'lobby', user: 'u_bob', seq: 7 })
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 7 })
    // Marks raised while away arrive with the next join (a reconnect, a reload).
    state.bobSeq = 9
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 9 })
    expect(asked).toEqual(['lobby', 'lobby', 'lobby'])
  })

  it('asks for a room joined in the background when it is opened, not before; never for a lecture hall', async () => {
    const { env, asked, reads } = boot()
    await advance(1)
    const dm = 'dm:u_alice:u_bob'
    env.server.last.push(joined(dm, 2))
    env.server.last.push(joined('hall', 51))
    await advance(1)
    expect(asked).toEqual([])
    env.rooms.setActive(dm)
    await advance(1)
    expect(asked).toEqual([dm])
    expect(reads.marks[dm]).toEqual({ u_bob: 3 })
    // Back and forth within a few seconds: asked once.
    env.rooms.setActive(null)
    env.rooms.setActive(dm)
    await advance(1)
    expect(asked).toEqual([dm])
    env.rooms.setActive('hall')
    env.server.last.push(joined('hall', 51))
    await advance(1)
    expect(asked).toEqual([dm])
  })

  it('keeps the live marks when the snapshot fails', async () => {
    const { env, reads } = boot(503)
    await advance(1)
    env.rooms.setActive('lobby')
    env.server.last.push({ type: 'read', room: 'lobby', user: 'u_bob', seq: 4 })
    env.server.last.push(joined('lobby', 2))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 4 })
  })
})
