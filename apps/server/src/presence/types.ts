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
