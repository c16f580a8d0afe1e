import { describe, expect, it } from 'vitest'
import { MemberCache, type RoomStamps } from '../../src/realtime/member-cache'
import type { MemberRecord } from '../../src/store/types'

const member = (mutedUntil: number | null) => ({ roomId: 'r', userId: 'u', mutedUntil }) as unknown as MemberRecord

/**
 * Stamps held in a Map, or failing like an unreachable Redis while `down`. Like Redis with
 * ioredis' auto-pipelining, a read leaves at the end of the turn and is answered in a later one.
 */
function stamps() {
  const m = new Map<string, string>()
  let n = 0
  const s = {
    down: false,
    reads: 0,
    read: (room: string) =>
      new Promise<string | null>((resolve, reject) =>
        setImmediate(() => {
          s.reads++
          const down = s.down
          const value = m.get(room) ?? null
          setTimeout(() => (down ? reject(new Error('redis down')) : resolve(value)), 1)
        }),
      ),
    bump: (room: string) => void m.set(room, String(++n)),
  }
  return s satisfies RoomStamps
}

describe('MemberCache', () => {
  it('serves an entry while the room stamp is unchanged; a bump from any node makes the next get read', async () => {
    const st = stamps()
    const here = new MemberCache(st)
    const other = new MemberCache(st) // another node sharing the stamps
    let reads = 0
    const read = async () => member(++reads)
    expect((await here.get('r', 'u', read, true)).mutedUntil).toBe(1)
    expect((await here.get('r', 'u', read, true)).mutedUntil).toBe(1)
    other.drop('r', 'u', true) // a mute on the other node, whose broker message has not arrived here
    expect((await here.get('r', 'u', read, true)).mutedUntil).toBe(2)
    expect(reads).toBe(2)
  })

  it('gets of one turn share one stamp read; a drop in that turn makes later gets read again', async () => {
    const st = stamps()
    const cache = new MemberCache(st)
    const read = async () => member(null)
    await Promise.all([cache.get('r', 'u', read, true), cache.get('r', 'v', read, true), cache.get('r', 'w', read, true)])
    expect(st.reads).toBe(1)
    const first = cache.get('r', 'u', read, true)
    cache.drop('r', 'x', true)
    const second = cache.get('r', 'v', read, true)
    await Promise.all([first, second])
    expect(st.reads).toBe(3)
  })

  it('strict gets read the store on every call while the stamps cannot be read; others keep the entry', async () => {
    const st = stamps()
    const cache = new MemberCache(st)
    let reads = 0
    const read = async () => member(++reads)
    await cache.get('r', 'u', read, true)
    st.down = true
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(2)
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(3)
    expect((await cache.get('r', 'u', read)).mutedUntil).toBe(1)
  })

  it('an entry serves for up to 50 s under its stamp; clear() forgets it at once', async () => {
    const st = stamps()
    const cache = new MemberCache(st, undefined, 60)
    let reads = 0
    const read = async () => member(++reads)
    await cache.get('r', 'u', read, true)
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(1)
    await new Promise((r) => setTimeout(r, 70))
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(2)
    cache.clear()
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(3)
  })

  it('while the broker link is down strict gets read the store, taps keep their entry for 5 s', async () => {
    const st = stamps()
    let linked = true
    const cache = new MemberCache(st, () => linked)
    let reads = 0
    const read = async () => member(++reads)
    await cache.get('r', 'u', read, true)
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(1)
    linked = false
    expect((await cache.get('r', 'u', read, true)).mutedUntil).toBe(2)
    expect((await cache.get('r', 'u', read)).mutedUntil).toBe(1)
  })

  it('a read that started before a drop is not kept', async () => {
    const cache = new MemberCache(null)
    let reads = 0
    let release!: () => void
    const slow = () => new Promise<MemberRecord>((res) => (release = () => res(member(++reads))))
    const pending = cache.get('r', 'u', slow, true)
    await new Promise((r) => setImmediate(r))
    cache.drop('r', null, true)
    release()
    await pending
    expect((await cache.get('r', 'u', async () => member(++reads), true)).mutedUntil).toBe(2)
  })
})
