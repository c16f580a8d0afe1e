import { describe, expect, it } from 'vitest'
import type { Message } from '@chat/protocol'
import { growUp, pin, sliceWindow, slideDown, tailWindow, WindowSize } from '../../src/engine/message-window'

const list = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i }) as Message)

describe('message window', () => {
  it('renders only the newest `initial` messages of a 10k room while following', () => {
    const l = list(1, 10_000)
    const s = sliceWindow(l, tailWindow())
    expect(s.end - s.start).toBe(WindowSize.initial)
    expect(l[s.end - 1].seq).toBe(10_000)
    expect(s.atTail).toBe(true)
  })

  it('keeps a pinned slice in place as new messages arrive', () => {
    const l = list(1, 500)
    const w = pin(l, tailWindow())
    expect(w.follow).toBe(false)
    const before = sliceWindow(l, w)
    const more = list(1, 600)
    const after = sliceWindow(more, w)
    expect(more[after.start].seq).toBe(l[before.start].seq)
    expect(after.atTail).toBe(false)
  })

  it('grows upward in steps, never past the max, then asks for older history at the top', () => {
    const l = list(1, 1000)
    let w = tailWindow()
    let needOlder = false
    let steps = 0
    while (!needOlder && steps < 100) {
      ;({ window: w, needOlder } = growUp(l, w))
      const s = sliceWindow(l, w)
      expect(s.end - s.start).toBeLessThanOrEqual(WindowSize.max)
      steps++
    }
    expect(sliceWindow(l, w).start).toBe(0)
    expect(w.follow).toBe(false)
    expect(needOlder).toBe(true)
  })

  it('still follows the tail while growing within the max', () => {
    const l = list(1, 1000)
    const { window: w } = growUp(l, tailWindow())
    expect(w.follow).toBe(true)
    expect(sliceWindow(l, w).end).toBe(1000)
    expect(sliceWindow(l, w).end - sliceWindow(l, w).start).toBe(WindowSize.initial + WindowSize.step)
  })

  it('a short room needs older history as soon as the user reaches its top', () => {
    expect(growUp(list(1, 10), tailWindow()).needOlder).toBe(true)
    expect(growUp([], tailWindow()).needOlder).toBe(true)
  })

  it('slides a pinned slice down until it reaches the tail and follows again', () => {
    const l = list(1, 1000)
    let w = { follow: false, fromSeq: 1, size: WindowSize.initial }
    let guard = 0
    while (!w.follow && guard++ < 100) {
      w = slideDown(l, w)
      const s = sliceWindow(l, w)
      expect(s.end - s.start).toBeLessThanOrEqual(WindowSize.max)
    }
    expect(w.follow).toBe(true)
    expect(sliceWindow(l, w).end).toBe(1000)
  })
})
