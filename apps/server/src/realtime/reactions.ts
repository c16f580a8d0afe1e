import type { ReactionsPush, RoomStats, User } from '@chat/protocol'
import { withTimeout } from '../lib/deadline'
import type { RoomRecord, Store } from '../store/types'
import { FROM_MAX, type Counts, type MergeResult, type ReactionTotals, type RoomKey } from './reaction-totals'

export interface ReactionsDeps {
  store: Store
  totals: ReactionTotals
  /** To every connection joined to the room on every node, after what was released before it (Hub.emit). */
  emit(room: string, frame: ReactionsPush): void
  warn(what: string, err: unknown, room: string): void
  /** How often this node merges what it counted (ms). */
  flushMs: number
  /**
   * Embedded mode: the merged totals live in this process only, so they are persisted at
   * merges too (not only with frames), at most once a second per room: a kill -9 then loses
   * at most the last second. With Redis the totals outlive a node; frames persist them.
   */
  persistMerges: boolean
}

/**
 * Per room, a write at most every 0.8 s (about once a second). Writes happen at flush ticks
 * right after the merge, so a kill -9 misses at most this gap of taps (plus the write's own
 * time): under a second even when timers run late on a busy machine.
 */
const SAVE_GAP_MS = 800
/** A live-totals read slower than this is skipped: the store's totals answer instead. */
const LIVE_READ_MS = 500

interface Pending extends Counts {
  /** Distinct users, oldest first, at most FROM_MAX. */
  from: User[]
}

interface Waiting {
  key: RoomKey
  gen: number
  due: number
  timer: NodeJS.Timeout
}

/**
 * v1.1 §B on one node. A tap only adds to this node's per-room counts in memory; every
 * `flushMs` they are merged into the room's totals (ReactionTotals: in memory, or Redis
 * across nodes). The merge that finds the room's frame slot free sends the `reactions`
 * frame — so one frame a slot per room across the cluster — and persists the totals (at
 * most once a slot per room, never lowering them). A merge that finds the slot taken comes
 * back when it frees, unless another node's frame has carried its counts meanwhile; so the
 * final totals go out within flushMs + slot of the last change.
 */
export class Reactions {
  private pending = new Map<string, Pending>()
  private readonly waiting = new Map<string, Waiting>()
  /** Room → creation time (the totals' key); rooms never change it. */
  private readonly created = new Map<string, number>()
  /** When each room's totals were last written (pruned as they age). */
  private readonly savedAt = new Map<string, number>()
  /** Totals not written yet: merged (embedded mode) or whose write failed. */
  private readonly unsaved = new Map<string, Counts>()
  private readonly inflight = new Set<Promise<unknown>>()
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> | null = null

  constructor(private readonly d: ReactionsDeps) {}

  /** Counts reactions (no I/O); `user` is named in the next frame. */
  add(room: string, user: User | null, likes: number, flowers: number): void {
    let p = this.pending.get(room)
    if (!p) this.pending.set(room, (p = { likes: 0, flowers: 0, from: [] }))
    p.likes += likes
    p.flowers += flowers
    if (user) noteUser(p.from, user)
  }

  /** A like/flower message was stored or recalled: the totals changed, a frame is due. */
  touch(room: string, user: User | null): void {
    this.add(room, user, 0, 0)
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.d.flushMs)
    this.timer.unref()
  }

  /**
   * Shutdown: merges what is counted, sends the frames still waiting for their slot (at
   * most a slot from now) and persists every total this node merged.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    // A flush under way took its batch before the last frames finished: one more after it.
    while (this.flushing) await this.flushing
    await this.flush()
    const waits = [...this.waiting.entries()]
    this.waiting.clear()
    await Promise.all(
      waits.map(async ([room, w]) => {
        clearTimeout(w.timer)
        await new Promise((r) => setTimeout(r, Math.max(0, w.due - Date.now())))
        await this.retry(room, w.key, w.gen, false)
      }),
    )
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
    await this.saveDue(true)
  }

  /** A room's reaction totals now: the live ones when held, else what the store has. */
  async live(room: RoomRecord): Promise<Counts> {
    const stored = { likes: room.reactionLikes, flowers: room.reactionFlowers }
    // A join reads this: with Redis away it must not wait out the client's retries.
    const read = withTimeout(this.d.totals.read({ room: room.id, createdAt: room.createdAt }), LIVE_READ_MS, 'reaction totals')
    const held = await read.catch(() => null)
    // Totals only grow: the larger of the two is the newer.
    return held ? { likes: Math.max(held.likes, stored.likes), flowers: Math.max(held.flowers, stored.flowers) } : stored
  }

  /** Merges every room's counts. One at a time per node; a caller during one waits for it. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = null))
    return this.flushing
  }

  private async flushAll(): Promise<void> {
    const batch = this.pending
    this.pending = new Map()
    await Promise.all([...batch].map(([room, p]) => this.track(this.flushRoom(room, p))))
    await this.saveDue(false)
  }

  private async flushRoom(room: string, p: Pending): Promise<void> {
    let key: RoomKey | null = null
    try {
      key = await this.keyOf(room)
      if (!key) return // no such room (it cannot be joined either)
      let r = await this.d.totals.merge(key, p, null)
      if (r.kind === 'seed') {
        const rec = await this.d.store.getRoom(room)
        r = await this.d.totals.merge(key, p, { likes: rec?.reactionLikes ?? 0, flowers: rec?.reactionFlowers ?? 0 })
      }
      await this.settle(room, key, r)
    } catch (err) {
      // Not merged (Redis or the store away): counted again with the next flush.
      const back = this.pending.get(room)
      if (back) {
        back.likes += p.likes
        back.flowers += p.flowers
        const from = [...p.from, ...back.from]
        back.from = []
        for (const u of from) noteUser(back.from, u)
      } else this.pending.set(room, p)
      this.d.warn('reactions merge', err, room)
    }
  }

  private async settle(room: string, key: RoomKey, r: MergeResult): Promise<void> {
    if (r.kind === 'publish') return this.publish(room, r.totals, r.from)
    if (r.kind !== 'wait') return
    // A node stopping persists what it merged: it may be gone when the slot frees.
    if (this.d.persistMerges || !this.timer) this.noteUnsaved(room, r.totals)
    const prev = this.waiting.get(room)
    if (prev) clearTimeout(prev.timer)
    const w: Waiting = {
      key,
      gen: r.gen,
      due: Date.now() + r.ms,
      timer: setTimeout(() => {
        if (this.waiting.get(room) === w) this.waiting.delete(room)
        void this.track(this.retry(room, key, w.gen, true))
      }, r.ms),
    }
    w.timer.unref()
    this.waiting.set(room, w)
  }

  private async retry(room: string, key: RoomKey, gen: number, again: boolean): Promise<void> {
    try {
      const r = await this.d.totals.retry(key, gen)
      if (again) await this.settle(room, key, r)
      else if (r.kind === 'publish') await this.publish(room, r.totals, r.from)
    } catch (err) {
      this.d.warn('reactions retry', err, room)
      // Redis away: a touch makes the next flush try again (and announce the totals then).
      if (again) this.touch(room, null)
    }
  }

  /** The frame: reaction totals plus the stored like/flower messages (RoomInfo.stats). */
  private async publish(room: string, totals: Counts, from: User[]): Promise<void> {
    const rec = await this.d.store.getRoom(room).catch((err) => {
      this.d.warn('reactions frame', err, room)
      return null
    })
    if (rec) {
      const stats: RoomStats = { likes: rec.likes + totals.likes, flowers: rec.flowers + totals.flowers }
      this.d.emit(room, { type: 'reactions', room, stats, from })
    }
    if (rec && rec.reactionLikes >= totals.likes && rec.reactionFlowers >= totals.flowers) return
    // Embedded: with the next due write. With Redis: now — frames are once a slot per room
    // across the cluster, so this is the one write a second per room.
    if (this.d.persistMerges) this.noteUnsaved(room, totals)
    else await this.save(room, totals)
  }

  private noteUnsaved(room: string, t: Counts): void {
    const u = this.unsaved.get(room)
    this.unsaved.set(room, u ? { likes: Math.max(u.likes, t.likes), flowers: Math.max(u.flowers, t.flowers) } : t)
  }

  /** Writes the unsaved totals of rooms not written for SAVE_GAP_MS (`all`: every one). */
  private async saveDue(all: boolean): Promise<void> {
    const now = Date.now()
    for (const [room, t] of this.savedAt) if (t < now - 5000) this.savedAt.delete(room)
    const due = [...this.unsaved].filter(([room]) => all || now - (this.savedAt.get(room) ?? 0) >= SAVE_GAP_MS)
    await Promise.all(due.map(([room, t]) => this.save(room, t)))
  }

  private async save(room: string, totals: Counts): Promise<void> {
    this.savedAt.set(room, Date.now())
    if (this.unsaved.get(room) === totals) this.unsaved.delete(room)
    try {
      await this.d.store.saveReactionTotals(room, totals.likes, totals.flowers)
    } catch (err) {
      // Written again with a later flush (the write keeps the larger of old and new).
      this.noteUnsaved(room, totals)
      this.d.warn('reactions save', err, room)
    }
  }

  private async keyOf(room: string): Promise<RoomKey | null> {
    let createdAt = this.created.get(room)
    if (createdAt === undefined) {
      const rec = await this.d.store.getRoom(room)
      if (!rec) return null
      createdAt = rec.createdAt
      // A bound on what this node remembers; a forgotten room costs one read again.
      if (this.created.size >= 100_000) this.created.clear()
      this.created.set(room, createdAt)
    }
    return { room, createdAt }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p)).catch(() => {})
    return p
  }
}

/** Keeps the FROM_MAX most recent distinct users, oldest first. */
function noteUser(list: User[], user: User): void {
  const at = list.findIndex((u) => u.id === user.id)
  if (at >= 0) list.splice(at, 1)
  list.push(user)
  if (list.length > FROM_MAX) list.shift()
}
