/**
 * v1.1 §H: a `history` or `join` reply stops at the last whole message that keeps the
 * reply under 1 MiB of JSON, and then says `more: true`. 100 messages of 4000 characters
 * can be several MiB (4-byte emoji, escaped control characters); one frame that big
 * stalls the socket for every room on it and costs the server a copy per reader.
 *
 * The messages kept are the ones nearest the cursor, so paging on from the reply's end
 * loses nothing: a `before` page (and a `join` without `after`) keeps the newest, an
 * `after` page the oldest.
 */
export const MAX_REPLY_BYTES = 1024 * 1024
/** Room for what the caller's `frame` leaves out (a role, a flag): the cut errs short. */
const SLACK = 512

export type Keep = 'newest' | 'oldest'

/**
 * `messages` ascending by seq; `frame` the reply without them (its size counts too).
 * Returns the messages that fit and whether any were left out.
 */
export function cutToFit<M>(frame: object, messages: M[], keep: Keep, max = MAX_REPLY_BYTES): { messages: M[]; cut: boolean } {
  // The reply's bytes besides the messages: the frame with an empty list.
  let used = Buffer.byteLength(JSON.stringify({ ...frame, messages: [], more: true }))
  const n = messages.length
  let kept = 0
  for (; kept < n; kept++) {
    const m = messages[keep === 'newest' ? n - 1 - kept : kept]
    const size = Buffer.byteLength(JSON.stringify(m)) + (kept > 0 ? 1 : 0)
    if (used + size >= max - SLACK) break
    used += size
  }
  if (kept === n) return { messages, cut: false }
  return { messages: keep === 'newest' ? messages.slice(n - kept) : messages.slice(0, kept), cut: true }
}

/** A store page cut to fit: `more` also when the cut left messages out. */
export function fitPage<M>(frame: object, page: { messages: M[]; more: boolean }, keep: Keep): { messages: M[]; more: boolean } {
  const { messages, cut } = cutToFit(frame, page.messages, keep)
  return { messages, more: page.more || cut }
}
