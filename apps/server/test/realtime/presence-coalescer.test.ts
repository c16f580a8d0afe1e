import { afterEach, describe, expect, it, vi } from 'vitest'
import { PresenceCoalescer } from '../../src/realtime/presence-coalescer'

afterEach(() => {
  vi.useRealTimers()
})

describe('PresenceCoalescer', () => {
  it('passes the first change at once, holds later ones, and sends the latest when the second is up', () => {
    vi.useFakeTimers()
    const c = new PresenceCoalescer(1000)
    const out: string[] = []
    c.offer('r', 'u', () => out.push('online'))
    for (let i = 0; i < 20; i++) {
      c.offer('r', 'u', () => out.push('offline'))
      c.offer('r', 'u', () => out.push('online'))
    }
    expect(out).toEqual(['online'])
    vi.advanceTimersByTime(999)
    expect(out).toEqual(['online'])
    vi.advanceTimersByTime(1)
    // The latest state goes out even though it equals the last frame (a connection that
    // joined in between may have been told otherwise).
    expect(out).toEqual(['online', 'online'])
    vi.advanceTimersByTime(1000)
    expect(out).toEqual(['online', 'online'])
    expect(c.size).toBe(0)
    c.offer('r', 'u', () => out.push('offline'))
    expect(out).toEqual(['online', 'online', 'offline'])
    c.stop()
  })

  it('keeps users and rooms apart', () => {
    vi.useFakeTimers()
    const c = new PresenceCoalescer(1000)
    const out: string[] = []
    c.offer('r', 'a', () => out.push('a'))
    c.offer('r', 'b', () => out.push('b'))
    c.offer('s', 'a', () => out.push('s-a'))
    expect(out).toEqual(['a', 'b', 's-a'])
    c.stop()
    vi.advanceTimersByTime(5000)
    expect(out).toEqual(['a', 'b', 's-a'])
  })
})
