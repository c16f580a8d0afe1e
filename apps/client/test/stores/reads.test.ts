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

describe('reads store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('takes a snapshot of the marks on each join of a small room or dm, and only ever raises a mark', async () => {
    const asked: string[] = []
    let bobSeq = 3
    const env = bootStores({
      http: async (req: HttpRequest) => {
        const m = /\/api\/rooms\/([^/]+)\/reads$/.exec(req.url)
        if (m) {
          asked.push(decodeURIComponent(m[1]))
          return { status: 200, data: { reads: [{ user: 'u_bob', seq: bobSeq }] } }
        }
        return { status: 200, data: alice }
      },
    })
    const reads = useReadsStore()
    await advance(1)
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 3 })
    // A live push raises it; a later snapshot with an older mark does not lower it.
    env.server.last.push({ type: 'read', room: 'lobby', user: 'u_bob', seq: 7 })
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 7 })
    // Marks raised while away arrive with the next join (a reconnect, a reload).
    bobSeq = 9
    env.server.last.push(joined('lobby', 3))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 9 })
    // A lecture hall shows no read counts, so it is not asked; a dm always is.
    env.server.last.push(joined('hall', 51))
    env.server.last.push(joined('dm:u_alice:u_bob', 60))
    await advance(1)
    expect(asked).toEqual(['lobby', 'lobby', 'lobby', 'dm:u_alice:u_bob'])
    expect(reads.marks.hall).toBeUndefined()
  })

  it('keeps the live marks when the snapshot fails', async () => {
    const env = bootStores({
      http: async (req: HttpRequest) =>
        req.url.endsWith('/reads') ? { status: 503, data: { error: 'unavailable' } } : { status: 200, data: alice },
    })
    const reads = useReadsStore()
    await advance(1)
    env.server.last.push({ type: 'read', room: 'lobby', user: 'u_bob', seq: 4 })
    env.server.last.push(joined('lobby', 2))
    await advance(1)
    expect(reads.marks.lobby).toEqual({ u_bob: 4 })
  })
})
