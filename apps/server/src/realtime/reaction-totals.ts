import type { User } from '@chat/protocol'

/** Likes and flowers of reactions (v1.1 §B), without the like/flower messages. */
export interface Counts {
  likes: number
  flowers: number
}

/**
 * Which totals: a room id and its creation time. A database started afresh (a test run, a
 * restore into a new deployment) whose room reuses an id never inherits the totals Redis
 * still holds for an older room of that name.
 */
export interface RoomKey {
  room: string
  createdAt: number
}

/** One node's reactions of one room since its last merge. `from`: distinct users, oldest first. */
export interface Batch extends Counts {
  from: User[]
}

/** How many users a `reactions` frame names at most. */
export const FROM_MAX = 5

export type MergeResult =
  /** This node holds the room's frame slot: it sends the frame (and persists the totals). */
  | { kind: 'publish'; totals: Counts; from: User[] }
  /** A frame went out less than a slot ago: call `retry` in `ms` with `gen`, unless told done. */
  | { kind: 'wait'; ms: number; gen: number; totals: Counts }
  /** Another node sent a frame after this merge: it carried these totals already. */
  | { kind: 'done' }
  /** No totals are held for the room: merge again, passing the stored ones as the seed. */
  | { kind: 'seed' }

/**
 * The room totals every node adds its reactions to, and the one frame slot per room per
 * second that makes one node — the one whose merge finds the slot free — announce them.
 * In memory for one process; in Redis (reaction-totals-redis.ts) across nodes.
 */
export interface ReactionTotals {
  readonly kind: 'memory' | 'redis'
  merge(key: RoomKey, batch: Batch, seed: Counts | null): Promise<MergeResult>
  /** After a `wait`: takes the slot unless a frame went out since `gen`. */
  retry(key: RoomKey, gen: number): Promise<MergeResult>
  /** The totals now, or null when none are held (the store's copy is then the latest). */
  read(key: RoomKey): Promise<Counts | null>
}

export const keyId = (k: RoomKey) => `${k.room}|${k.createdAt}`

/** Adds `users` (oldest first) to a newest-first list of distinct users, keeping FROM_MAX. */
export function pushFrom(list: User[], users: User[]): void {
  for (const u of users) {
    const at = list.findIndex((x) => x.id === u.id)
    if (at >= 0) list.splice(at, 1)
    list.unshift(u)
  }
  if (list.length > FROM_MAX) list.length = FROM_MAX
}

interface Entry extends Counts {
  /** Newest first. */
  from: User[]
  slotUntil: number
  gen: number
  usedAt: number
}

/** Embedded mode: one process, so the totals and the slot are plain fields. */
export class MemoryTotals implements ReactionTotals {
  readonly kind = 'memory' as const
  private readonly rooms = new Map<string, Entry>()

  constructor(
    private readonly slotMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async merge(key: RoomKey, b: Batch, seed: Counts | null): Promise<MergeResult> {
    const id = keyId(key)
    let e = this.rooms.get(id)
    if (!e) {
      if (!seed) return { kind: 'seed' }
      e = { likes: seed.likes, flowers: seed.flowers, from: [], slotUntil: 0, gen: 0, usedAt: 0 }
      this.rooms.set(id, e)
    }
    e.likes += b.likes
    e.flowers += b.flowers
    e.usedAt = this.now()
    pushFrom(e.from, b.from)
    return this.take(e)
  }

  async retry(key: RoomKey, gen: number): Promise<MergeResult> {
    const e = this.rooms.get(keyId(key))
    if (!e || e.gen > gen) return { kind: 'done' }
    return this.take(e)
  }

  async read(key: RoomKey): Promise<Counts | null> {
    const e = this.rooms.get(keyId(key))
    return e ? { likes: e.likes, flowers: e.flowers } : null
  }

  /** Forgets rooms idle since `before` (their totals were persisted when last announced). */
  forget(before: number): void {
    for (const [id, e] of this.rooms) if (e.usedAt < before && e.slotUntil < this.now()) this.rooms.delete(id)
  }

  private take(e: Entry): MergeResult {
    const now = this.now()
    if (now < e.slotUntil) return { kind: 'wait', ms: e.slotUntil - now, gen: e.gen, totals: { likes: e.likes, flowers: e.flowers } }
    e.slotUntil = now + this.slotMs
    e.gen++
    const from = e.from
    e.from = []
    return { kind: 'publish', totals: { likes: e.likes, flowers: e.flowers }, from }
  }
}
