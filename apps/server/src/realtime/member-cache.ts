import type { MemberRecord } from '../store/types'

/**
 * Memberships as a `react` needs them (mute, 全员禁言, role), kept for a few seconds so a
 * storm of taps costs no store read each: a thousand taps a second would otherwise queue
 * ahead of the sends' writes in the connection pool. What changes them reaches every node
 * through the hub — a mute or kick (control channel), a `room` push (全员禁言, roles) — and
 * drops the entries at once; the TTL bounds anything missed while the broker was away.
 */
export class MemberCache {
  private readonly entries = new Map<string, { member: MemberRecord; until: number }>()
  /** Bumped by every drop: a read that started before one must not be kept. */
  private gen = 0

  constructor(
    private readonly ttlMs = 5000,
    private readonly max = 100_000,
  ) {}

  async get(room: string, userId: string, read: () => Promise<MemberRecord>): Promise<MemberRecord> {
    const key = `${room}\n${userId}`
    const now = Date.now()
    const hit = this.entries.get(key)
    if (hit && hit.until > now) return hit.member
    const gen = this.gen
    const member = await read()
    if (gen === this.gen) {
      if (this.entries.size >= this.max) this.sweep(now)
      if (this.entries.size >= this.max) this.entries.clear()
      this.entries.set(key, { member, until: now + this.ttlMs })
    }
    return member
  }

  /** A user's standing in a room changed (`userId` null: the room's settings or roles). */
  drop(room: string, userId: string | null): void {
    this.gen++
    if (userId !== null) {
      this.entries.delete(`${room}\n${userId}`)
      return
    }
    const prefix = `${room}\n`
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }

  sweep(now = Date.now()): void {
    for (const [key, e] of this.entries) if (e.until <= now) this.entries.delete(key)
  }
}
