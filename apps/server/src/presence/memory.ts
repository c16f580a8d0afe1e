import type { User } from '@chat/protocol'
import { RoomUsers } from './room-users'
import type { Presence, PresenceGone } from './types'

/** One process is the whole deployment: its own entries are everyone's. */
export class MemoryPresence implements Presence {
  readonly kind = 'memory' as const
  private readonly rooms = new RoomUsers()

  async add(room: string, user: User, connId: string): Promise<boolean> {
    return this.rooms.add(room, user, connId)
  }

  async remove(room: string, userId: string, connId: string): Promise<boolean> {
    return this.rooms.remove(room, userId, connId)
  }

  async online(room: string): Promise<User[]> {
    return this.rooms.online(room)
  }

  async reap(): Promise<PresenceGone[]> {
    return []
  }

  async close(): Promise<void> {
    this.rooms.clear()
  }
}
