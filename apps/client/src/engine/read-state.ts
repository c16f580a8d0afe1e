// Who has read my messages, from the `read` pushes the server sends (v1 §3: a user's read
// mark, pushed to the room when it rises) and the snapshot of marks the reads store asks
// for on each join of a dm or small room (`GET /api/rooms/:id/reads`, our addition).

/** Groups bigger than this show no read counts (a lecture hall's "312 人已读" helps nobody). */
export const READ_GROUP_MAX = 50

export interface ReadInput {
  dm: boolean
  me: string
  /** user id → highest seq that user has read in this room. */
  marks: Readonly<Record<string, number>>
  /** Seqs of my stored messages in view, ascending. */
  mine: readonly number[]
  /**
   * How many members the room has, as far as the client can tell. It cannot know the real
   * count (no API gives it to members), so callers pass a lower bound: the distinct users
   * seen in the room (online, senders, readers). A room that already shows more than
   * READ_GROUP_MAX of them is surely big; a quiet big room may pass as small.
   */
  roomSize: number
}

/**
 * seq → how many others have read it. In a dm only the last of my messages the other user
 * has read gets an entry (1): one "已读" under it says everything above is read too.
 */
export function readState(r: ReadInput): Map<number, number> {
  const out = new Map<number, number>()
  const others = Object.entries(r.marks)
    .filter(([u]) => u !== r.me)
    .map(([, seq]) => seq)
  if (!others.length || !r.mine.length) return out
  if (r.dm) {
    const mark = Math.max(...others)
    for (let i = r.mine.length - 1; i >= 0; i--) {
      if (r.mine[i] <= mark) {
        out.set(r.mine[i], 1)
        break
      }
    }
    return out
  }
  if (r.roomSize > READ_GROUP_MAX) return out
  for (const seq of r.mine) {
    const n = others.filter((m) => m >= seq).length
    if (n) out.set(seq, n)
  }
  return out
}
