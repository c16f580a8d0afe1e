import type { User } from '@chat/protocol'
import type { Presence, PresenceGone, RateLimiter } from './types'

/** room → userId → (user, the connection ids that hold it online). */
export class MemoryPresence implements Presence {
  readonly kind = 'memory' as const
  private readonly rooms = new Map<string, Map<string, { user: User; conns: Set<string> }>>()

  async add(room: string, user: User, connId: string): Promise<boolean> {
    let users = this.rooms.get(room)
    if (!users) this.rooms.set(room, (users = new Map()))
    const entry = users.get(user.id)
    if (entry) {
      entry.user = user
      entry.conns.add(connId)
      return false
    }
    users.set(user.id, { user, conns: new Set([connId]) })
    return true
  }

  async remove(room: string, userId: string, connId: string): Promise<boolean> {
    const users = this.rooms.get(room)
    const entry = users?.get(userId)
    if (!users || !entry || !entry.conns.delete(connId)) return false
    if (entry.conns.size > 0) return false
    users.delete(userId)
    if (users.size === 0) this.rooms.delete(room)
    return true
  }

  async online(room: string): Promise<User[]> {
    return [...(this.rooms.get(room)?.values() ?? [])].map((e) => e.user)
  }

  async reap(): Promise<PresenceGone[]> {
    return []
  }

  async close(): Promise<void> {
    this.rooms.clear()
  }
}

/** Fixed-window counters; windows are dropped once they end so memory stays bounded. */
export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory' as const
  private readonly windows = new Map<string, { resetAt: number; count: number }>()
  private sweeps = 0

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    const now = Date.now()
    if (++this.sweeps % 1024 === 0) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
    }
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) this.windows.set(key, (w = { resetAt: now + windowMs, count: 0 }))
    if (w.count >= limit) return false
    w.count++
    return true
  }

  async peek(key: string): Promise<{ hits: number; resetMs: number }> {
    const w = this.windows.get(key)
    const now = Date.now()
    return w && w.resetAt > now ? { hits: w.count, resetMs: w.resetAt - now } : { hits: 0, resetMs: 0 }
  }

  async close(): Promise<void> {
    this.windows.clear()
  }
}
