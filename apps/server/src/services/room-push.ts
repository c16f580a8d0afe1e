import type { RoomInfo } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { loadRoomInfo } from './rooms'

/**
 * After a change of a room's settings, owner or admins: the RoomInfo as stored now goes to
 * every connection joined to the room on every node, as a room event (so it follows the
 * messages released before it). Returns it for the caller's reply.
 */
export async function pushRoomInfo(app: FastifyInstance, roomId: string): Promise<RoomInfo | null> {
  const info = await loadRoomInfo(app.store, roomId, (r) => app.reactions.live(r))
  if (info) app.hub.emit(roomId, { type: 'room', room: roomId, info })
  return info
}
