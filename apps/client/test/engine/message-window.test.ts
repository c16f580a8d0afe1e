import { describe, expect, it } from 'vitest'
import type { Message } from '@chat/protocol'
import { growUp, pin, sliceWindow, slideDown, tailWindow, WindowSize, type WindowState } from '../../src/engine/message-window'

const list = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i }) as Message)

describe('message window', () => {
  it('renders only about `initial` of the newest messages of a 10k room while following', () => {
    const l = list(1, 10_000)
    const s = sliceWindow(l, tailWindow())
    expect(s.end - s.start).toBeGreaterThanOrEqual(WindowSize.initial)
    expect(s.end - s.start).toBeLessThan(WindowSize.initial + WindowSize.step)
    expect(l[s.end - 1].seq).toBe(10_000)
    expect(s.atTail).toBe(true)
  })

  it('while following, a new message is an append: the start moves only once per step', () => {
    const starts = new Set<number>()
    for (let n = 500; n < 500 + WindowSize.step * 3; n++) starts.add(sliceWindow(list(1, n), tailWindow()).start)
    expect(starts.size).toBe(3)
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
    const before = sliceWindow(l, tailWindow())
    const { window: w } = growUp(l, tailWindow())
    expect(w.follow).toBe(true)
    const after = sliceWindow(l, w)
    expect(after.end).toBe(1000)
    expect(after.start).toBeLessThan(before.start)
    expect(after.end - after.start).toBeLessThanOrEqual(WindowSize.max)
  })

  it('a short room needs older history as soon as the user reaches its top', () => {
    expect(growUp(list(1, 10), tailWindow()).needOlder).toBe(true)
    expect(growUp([], tailWindow()).needOlder).toBe(true)
  })

  it('slides a pinned slice down until it reaches the tail and follows again', () => {
    const l = list(1, 1000)
    let w: WindowState = { follow: false, fromSeq: 1, size: WindowSize.initial }
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
