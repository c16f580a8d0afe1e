// Which slice of a room's messages is rendered. A room may hold 10k messages; the page
// renders at most `max` of them (keeps the DOM and mini-program setData small) and moves
// the slice as the user scrolls. The slice is anchored by seq so prepending history
// does not shift it. While following the newest messages its start moves in steps, not
// one row per message: a new message is then an append (one small setData on
// mp-weixin) instead of every rendered row shifting by one.
import type { Message } from '@chat/protocol'
import { lowerBound } from './timeline'

export const WindowSize = { initial: 100, step: 40, max: 200 } as const

export interface WindowState {
  /** Follow the newest messages (the slice ends at the tail). */
  follow: boolean
  /** First seq of the slice when not following. */
  fromSeq: number
  size: number
}

export const tailWindow = (): WindowState => ({ follow: true, fromSeq: 0, size: WindowSize.initial })

export function sliceWindow(list: readonly Message[], w: WindowState): { start: number; end: number; atTail: boolean } {
  const n = list.length
  if (w.follow) {
    const k = Math.max(0, n - w.size)
    return { start: k - (k % WindowSize.step), end: n, atTail: true }
  }
  const start = Math.min(lowerBound(list, w.fromSeq), Math.max(0, n - 1))
  const end = Math.min(n, start + w.size)
  return { start, end, atTail: end >= n }
}

/** The user left the bottom: pin the slice where it is so new messages do not move it. */
export function pin(list: readonly Message[], w: WindowState): WindowState {
  if (!w.follow || !list.length) return w
  const { start } = sliceWindow(list, w)
  return { follow: false, fromSeq: list[start].seq, size: w.size }
}

/**
 * Scrolled to the top of the slice: show older loaded messages (dropping the bottom if
 * the slice is full). `needOlder` says the slice already starts at the oldest loaded one.
 */
export function growUp(list: readonly Message[], w: WindowState): { window: WindowState; needOlder: boolean } {
  if (!list.length) return { window: w, needOlder: true }
  const { start, end } = sliceWindow(list, w)
  if (start === 0) return { window: w, needOlder: true }
  const nextStart = Math.max(0, start - WindowSize.step)
  // A following window may overshoot its size by up to a step (see sliceWindow).
  const followMax = WindowSize.max - WindowSize.step
  if (w.follow && end - nextStart <= followMax) return { window: { follow: true, fromSeq: 0, size: end - nextStart }, needOlder: false }
  const size = Math.min(WindowSize.max, end - nextStart)
  return { window: { follow: false, fromSeq: list[nextStart].seq, size }, needOlder: false }
}

/** Scrolled to the bottom of a pinned slice that is not the tail: slide it down. */
export function slideDown(list: readonly Message[], w: WindowState): WindowState {
  if (w.follow) return w
  const { start, end } = sliceWindow(list, w)
  if (end >= list.length) return { ...w, follow: true }
  const nextEnd = Math.min(list.length, end + WindowSize.step)
  const nextStart = Math.max(0, nextEnd - w.size, start)
  const size = Math.min(WindowSize.max, nextEnd - nextStart)
  return { follow: nextEnd >= list.length, fromSeq: list[nextStart].seq, size }
}
