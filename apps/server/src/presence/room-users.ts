import type { User } from '@chat/protocol'

/**
 * room → userId → (user, the connection ids that hold it online there): one process's view,
 * counted per connection so that a user with two tabs goes offline only with the last one.
 * MemoryPresence is this for the whole (one-process) deployment; PresenceGuard keeps one for
 * this node's own entries, to answer from while Redis is away.
 */
export class RoomUsers {
  // One connection is held as its id, a Set only from the second on: nearly every user is in
  // a room once, and an empty Set with its table cost ~150 bytes per idle connection.
  private readonly rooms = new Map<string, Map<string, { user: User; conns: string | Set<string> }>>()

  /** True when this is the user's first connection in the room. */
  add(room: string, user: User, connId: string): boolean {
    let users = this.rooms.get(room)
    if (!users) this.rooms.set(room, (users = new Map()))
    const entry = users.get(user.id)
    if (entry) {
      entry.user = user
      if (typeof entry.conns !== 'string') entry.conns.add(connId)
      else if (entry.conns !== connId) entry.conns = new Set([entry.conns, connId])
      return false
    }
    users.set(user.id, { user, conns: connId })
    return true
  }

  /** True when it was the user's last connection in the room. */
  remove(room: string, userId: string, connId: string): boolean {
    const users = this.rooms.get(room)
    const entry = users?.get(userId)
    if (!users || !entry) return false
    if (typeof entry.conns === 'string') {
      if (entry.conns !== connId) return false
    } else if (!entry.conns.delete(connId) || entry.conns.size > 0) return false
    users.delete(userId)
    if (users.size === 0) this.rooms.delete(room)
    return true
  }

  online(room: string): User[] {
    return [...(this.rooms.get(room)?.values() ?? [])].map((e) => e.user)
  }

  clear(): void {
    this.rooms.clear()
  }
}
