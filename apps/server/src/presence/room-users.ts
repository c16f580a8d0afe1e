import type { User } from '@chat/protocol'

/**
 * room → userId → (user, the connection ids that hold it online there): one process's view,
 * counted per connection so that a user with two tabs goes offline only with the last one.
 * MemoryPresence is this for the whole (one-process) deployment; PresenceGuard keeps one for
 * this node's own entries, to answer from while Redis is away.
 */
export class RoomUsers {
  private readonly rooms = new Map<string, Map<string, { user: User; conns: Set<string> }>>()

  /** True when this is the user's first connection in the room. */
  add(room: string, user: User, connId: string): boolean {
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

  /** True when it was the user's last connection in the room. */
  remove(room: string, userId: string, connId: string): boolean {
    const users = this.rooms.get(room)
    const entry = users?.get(userId)
    if (!users || !entry?.conns.delete(connId)) return false
    if (entry.conns.size > 0) return false
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
