import type { User } from '@chat/protocol'
import { Backoff } from '../lib/deadline'
import { RoomUsers } from './room-users'
import type { Presence } from './types'

export interface PresenceChange {
  room: string
  user: User
  status: 'online' | 'offline'
}

interface Pending {
  room: string
  user: User
  connId: string
}

/**
 * This node's side of presence, kept working while Redis is unreachable. Joins and
 * disconnects must not fail or stall on presence (it is a hint; messages are what must not
 * be lost), so a call that fails or is slow is answered from this node's own entries and
 * queued; `repair()` replays the queue once Redis answers and reports the online/offline
 * changes the replay caused, for the hub to push.
 */
export class PresenceGuard {
  /** room → userId → this node's connections holding that user online there. */
  private readonly mine = new RoomUsers()
  private readonly pendingAdd = new Map<string, Pending>()
  private readonly pendingRemove = new Map<string, Pending>()
  private readonly backoff: Backoff
  private repairing = false

  constructor(
    private readonly inner: Presence,
    o: { timeoutMs?: number; retryMs?: number; onError(err: unknown, what: string): void },
  ) {
    this.backoff = new Backoff({ timeoutMs: o.timeoutMs ?? 1000, retryMs: o.retryMs ?? 1000, what: 'presence', onError: o.onError })
  }

  /** True when this is the user's first connection in the room (→ "online"). */
  async add(room: string, user: User, connId: string): Promise<boolean> {
    const localFirst = this.mine.add(room, user, connId)
    const k = `${room}\n${connId}`
    this.pendingRemove.delete(k)
    try {
      return await this.call(() => this.inner.add(room, user, connId), 'presence add')
    } catch {
      this.pendingAdd.set(k, { room, user, connId })
      return localFirst
    }
  }

  /** True when it was the user's last connection in the room (→ "offline"). */
  async remove(room: string, user: User, connId: string): Promise<boolean> {
    const localLast = this.mine.remove(room, user.id, connId)
    const k = `${room}\n${connId}`
    // An add that never reached Redis: Redis cannot know this was the last one.
    const unsure = this.pendingAdd.delete(k)
    try {
      const last = await this.call(() => this.inner.remove(room, user.id, connId), 'presence remove')
      return last || (unsure && localLast)
    } catch {
      this.pendingRemove.set(k, { room, user, connId })
      return localLast
    }
  }

  /** Everyone online in the room; without Redis, at least this node's users. */
  async online(room: string): Promise<User[]> {
    try {
      return await this.call(() => this.inner.online(room), 'presence online')
    } catch {
      return this.mine.online(room)
    }
  }

  /** Replays what failed while Redis was away; returns the transitions to push. */
  async repair(): Promise<PresenceChange[]> {
    const out: PresenceChange[] = []
    if (this.repairing || this.backoff.down) return out
    this.repairing = true
    try {
      for (const [k, p] of this.pendingRemove) {
        if (await this.call(() => this.inner.remove(p.room, p.user.id, p.connId), 'presence repair')) {
          out.push({ room: p.room, user: p.user, status: 'offline' })
        }
        this.pendingRemove.delete(k)
      }
      for (const [k, p] of this.pendingAdd) {
        if (await this.call(() => this.inner.add(p.room, p.user, p.connId), 'presence repair')) {
          out.push({ room: p.room, user: p.user, status: 'online' })
        }
        this.pendingAdd.delete(k)
      }
    } catch {
      // Still down: the rest waits for the next round.
    } finally {
      this.repairing = false
    }
    return out
  }

  get pending(): number {
    return this.pendingAdd.size + this.pendingRemove.size
  }

  private call<T>(fn: () => Promise<T>, what: string): Promise<T> {
    return this.backoff.run(fn, what)
  }
}
