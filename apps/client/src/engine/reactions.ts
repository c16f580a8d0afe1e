// Likes and flowers as live counters (v1.1 §B), the pure part: what the toolbar shows while
// my own taps are in flight, how many sprites a jump in the totals earns, and who the names
// line mentions. No timers, no Vue: the store passes `now` and does the scheduling.
import type { ReactionKind, RoomStats, User } from '@chat/protocol'

/** Sprites alive at once per room: a storm of 1000 taps is still a handful of views. */
export const MAX_SPRITES = 12
/**
 * My taps are counted locally until the server has surely merged them: it pushes at most
 * once a second and every member has the final totals within 2 s of the last change.
 */
export const HOLD_MS = 2500
/** Names shown before "等 N 人". */
export const LINE_NAMES = 3

/** Sprites for a rise of `delta` in one kind: one each for a few, then slower, capped. */
export function spriteCount(delta: number, cap = MAX_SPRITES): number {
  if (!(delta > 0)) return 0
  const n = delta <= 4 ? Math.ceil(delta) : 4 + Math.ceil(Math.log2(delta / 4) * 2)
  return Math.min(cap, n)
}

export type StatsDelta = { likes: number; flowers: number }

/** The toolbar's numbers: the server's totals, raised by my own taps until they are merged. */
export class ReactionCounter {
  server: RoomStats | null = null
  private local: RoomStats = { likes: 0, flowers: 0 }
  private lastTap = -Infinity

  /** New totals from the server; the rise since the last ones (null for the first). */
  setServer(stats: RoomStats): StatsDelta | null {
    const prev = this.server
    this.server = { likes: stats.likes, flowers: stats.flowers }
    return prev ? { likes: stats.likes - prev.likes, flowers: stats.flowers - prev.flowers } : null
  }

  shown(now: number): RoomStats | null {
    const s = this.server
    if (!s) return null
    if (now - this.lastTap >= HOLD_MS) return s
    return { likes: Math.max(s.likes, this.local.likes), flowers: Math.max(s.flowers, this.local.flowers) }
  }

  /** My tap, shown at once on top of what was shown. */
  tap(kind: ReactionKind, count: number, now: number): void {
    const base = this.shown(now) ?? { likes: 0, flowers: 0 }
    this.local = kind === 'like' ? { ...base, likes: base.likes + 1 } : { ...base, flowers: base.flowers + count }
    this.lastTap = now
  }

  /** A tap the server refused no longer counts. */
  undo(kind: ReactionKind, count: number): void {
    if (kind === 'like') this.local.likes -= 1
    else this.local.flowers -= count
  }

  /** When the held taps stop counting (the store re-reads `shown` then). */
  holdEnds(): number {
    return this.lastTap + HOLD_MS
  }
}

/** Who reacted during one visible names line (it stays while pushes keep coming). */
export class ReactionBurst {
  /** Newest first, distinct by id. */
  readonly users: User[] = []
  likes = false
  flowers = false

  add(from: User[], delta: StatsDelta): void {
    if (delta.likes > 0) this.likes = true
    if (delta.flowers > 0) this.flowers = true
    for (const u of [...from].reverse()) {
      const i = this.users.findIndex((x) => x.id === u.id)
      if (i >= 0) this.users.splice(i, 1)
      this.users.unshift(u)
    }
  }
}

export interface LineWords {
  /** Between two names: '、' or ', '. */
  sep: string
  /** The verb phrase for what was done, with {names} and {n} (people in all). */
  few: (kind: 'like' | 'flower' | 'both', names: string) => string
  many: (kind: 'like' | 'flower' | 'both', names: string, n: number) => string
  /** How my own name is shown. */
  you: string
}

/** "小明、小红 等 38 人点了赞": a few names, and how many people in all when there are more. */
export function reactionLine(burst: ReactionBurst, me: string, words: LineWords): string {
  if (!burst.users.length || (!burst.likes && !burst.flowers)) return ''
  const kind = burst.likes && burst.flowers ? 'both' : burst.likes ? 'like' : 'flower'
  const names = burst.users
    .slice(0, LINE_NAMES)
    .map((u) => (u.id === me ? words.you : u.name))
    .join(words.sep)
  const n = burst.users.length
  return n > LINE_NAMES ? words.many(kind, names, n) : words.few(kind, names)
}

export interface Sprite {
  id: number
  kind: ReactionKind
  /** Horizontal start, % of the screen width (over its toolbar button). */
  x: number
  /** Start delay, ms, so a group rises as a stream rather than a block. */
  delay: number
}

/** Over the toolbar buttons (5 equal tools: 点赞 the 1st, 送花 the 2nd; likes a little right of centre to stay on screen). */
const CENTRE: Record<ReactionKind, number> = { like: 13, flower: 30 }

/**
 * New sprites for a rise, within what is left of the room's budget (`alive` on screen now).
 * Positions come from the id, so a test sees the same picture every run.
 */
export function makeSprites(delta: StatsDelta, alive: number, firstId: number): Sprite[] {
  const room = Math.max(0, MAX_SPRITES - alive)
  const wanted: Record<ReactionKind, number> = { like: spriteCount(delta.likes), flower: spriteCount(delta.flowers) }
  const made: Record<ReactionKind, number> = { like: 0, flower: 0 }
  const out: Sprite[] = []
  // Taking turns, so a like storm still leaves room for the flowers that came with it.
  while (out.length < room && (made.like < wanted.like || made.flower < wanted.flower)) {
    for (const kind of ['like', 'flower'] as const) {
      if (made[kind] >= wanted[kind] || out.length >= room) continue
      const id = firstId + out.length
      out.push({ id, kind, x: CENTRE[kind] + (((id * 7) % 13) - 6), delay: made[kind]++ * 110 })
    }
  }
  return out
}
