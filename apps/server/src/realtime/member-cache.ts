import { Backoff } from '../lib/deadline'
import type { MemberRecord } from '../store/types'

/** A room's change stamp shared by every node (Redis), or null when none is held. */
export interface RoomStamps {
  read(room: string): Promise<string | null>
  /** Marks a change; the caller does not wait for it. */
  bump(room: string): void
}

/**
 * Memberships as a `react` or a socket `send` needs them (mute, 全员禁言, role), kept for
 * up to 50 s so a storm of taps costs no store read each: a thousand taps a second would
 * otherwise queue ahead of the sends' writes in the connection pool (and every socket send
 * would cost a store read). What changes them reaches every node
 * through the hub — a mute or kick (control channel), a `room` push (全员禁言, roles) — and
 * drops the entries at once. Across nodes that message can arrive after the user's next
 * tap, so with Redis the node making the change also bumps the room's stamp, and a tap
 * uses an entry only while the stamp (read alongside the rate-limit hit) is the one it was
 * made under. While Redis is away only taps use entries, for 5 s.
 */
export class MemberCache {
  /** `at`: when the entry was read from the store. */
  private readonly entries = new Map<string, { member: MemberRecord; stamp: string | null; at: number }>()
  /** Bumped by every drop: a read that started before one must not be kept. */
  private gen = 0
  /**
   * A stamp read must not hold a send up while Redis is away (the client's retries would
   * stall every send for seconds): it gets a short deadline, and after a miss the next
   * second's calls skip Redis and read the store at once.
   */
  private readonly stampLink = new Backoff({ timeoutMs: 200, retryMs: 1000, what: 'room stamp' })
  /** This turn's stamp reads, by room (see stampOf). */
  private readonly turnReads = new Map<string, Promise<string | null | undefined>>()
  private clearQueued = false

  /**
   * `ttlMs`: how long an entry serves while its stamp is confirmed (or there is no Redis: one
   * node, which drops entries itself); it must stay under the stamp's own lifetime in Redis
   * (60 s), so an entry can never outlive a change's stamp and match the empty stamp again.
   * Long enough for an ordinary user, who sends every ten seconds or so, to hit it.
   * `unconfirmedMs`: how long a tap uses an entry while Redis does not answer.
   */
  constructor(
    private readonly stamps: RoomStamps | null,
    /**
     * Whether the broker link is up. While it is down a change made on another node reaches
     * neither this node nor (Redis being away) the stamp, so entries count as unconfirmed;
     * when it comes back the owner calls clear().
     */
    private readonly linked: () => boolean = () => true,
    private readonly ttlMs = 50_000,
    private readonly unconfirmedMs = 5000,
    private readonly max = 100_000,
  ) {}

  /**
   * `strict` (sends): an entry is used only under a stamp Redis confirmed; while Redis does
   * not answer every call reads the store, as a mute made on another node meanwhile would
   * not reach this one. Taps (not strict) keep their entries for the TTL then.
   */
  async get(room: string, userId: string, read: () => Promise<MemberRecord>, strict = false): Promise<MemberRecord> {
    const key = `${room}\n${userId}`
    const gen = this.gen
    // undefined: Redis did not answer — the entries then hold for their TTL (unless strict).
    const stamp = !this.linked() ? undefined : this.stamps ? await this.stampOf(room, this.stamps) : null
    const now = Date.now()
    const hit = this.entries.get(key)
    if (hit && (stamp === undefined ? !strict && now - hit.at < this.unconfirmedMs : hit.stamp === stamp && now - hit.at < this.ttlMs)) {
      return hit.member
    }
    const member = await read()
    if (gen === this.gen && stamp !== undefined) {
      if (this.entries.size >= this.max) this.sweep(now)
      if (this.entries.size >= this.max) this.entries.clear()
      this.entries.set(key, { member, stamp, at: now })
    }
    return member
  }

  /**
   * One stamp read per room per turn of the event loop, shared by every call in that turn: a
   * hot room's sends would otherwise read it once each. Every frame sharing it had arrived
   * before the read left (Redis gets it at the end of the turn), so a change made before
   * any of them is seen.
   */
  private stampOf(room: string, stamps: RoomStamps): Promise<string | null | undefined> {
    let read = this.turnReads.get(room)
    if (!read) {
      read = this.stampLink.run(() => stamps.read(room)).catch(() => undefined)
      this.turnReads.set(room, read)
      if (!this.clearQueued) {
        this.clearQueued = true
        setImmediate(() => {
          this.clearQueued = false
          this.turnReads.clear()
        })
      }
    }
    return read
  }

  /** A user's standing in a room changed (`userId` null: the room's settings or roles). */
  drop(room: string, userId: string | null, here: boolean): void {
    this.gen++
    // A read already out may predate the change: later calls read again.
    this.turnReads.delete(room)
    if (here) this.stamps?.bump(room)
    if (userId !== null) {
      this.entries.delete(`${room}\n${userId}`)
      return
    }
    const prefix = `${room}\n`
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }

  /** Forgets everything (the broker link was lost: a change may not have reached this node). */
  clear(): void {
    this.gen++
    this.turnReads.clear()
    this.entries.clear()
  }

  sweep(now = Date.now()): void {
    for (const [key, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(key)
  }
}
