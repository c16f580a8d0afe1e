import type { User } from '@chat/protocol'

/**
 * Who is online in which room, across nodes, counted per connection so that a user with
 * two tabs goes offline only when the last one leaves. Entries of a node that dies
 * without saying goodbye expire (no ghosts).
 */
export interface Presence {
  readonly kind: 'memory' | 'redis'
  /** Records a connection in a room; true when it is the user's first there (→ "online"). */
  add(room: string, user: User, connId: string): Promise<boolean>
  /** Removes it; true when it was the user's last there (→ "offline"). */
  remove(room: string, userId: string, connId: string): Promise<boolean>
  online(room: string): Promise<User[]>
  /**
   * Removes the entries of nodes that died without saying goodbye (kill -9, lost host) and
   * returns the users who thereby went offline, one pair per room, so the caller can push
   * their `offline` presence. Each removal is reported once across all nodes, so every node
   * may call this on a timer. Always [] in memory (one process has no other nodes).
   */
  reap(): Promise<PresenceGone[]>
  close(): Promise<void>
}

export interface PresenceGone {
  room: string
  user: User
}

/** Counters with a window, for rate and connection limits that hold across nodes. */
export interface RateLimiter {
  readonly kind: 'memory' | 'redis'
  /** Counts one hit for key; false when the key already had `limit` hits in the window. */
  hit(key: string, limit: number, windowMs: number): Promise<boolean>
  /**
   * The key's hits in its current window and the ms until that window ends, without counting
   * one ({hits: 0, resetMs: 0} when it has none): lockouts and `Retry-After` read this.
   */
  peek(key: string): Promise<{ hits: number; resetMs: number }>
  close(): Promise<void>
}
