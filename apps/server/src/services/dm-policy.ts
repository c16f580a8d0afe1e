import { ErrorCode, parseRoomId } from '@chat/protocol'
import { RefusedError } from '../limits/enforce'
import type { RoomRecord, Store } from '../store/types'

/**
 * v1.1 §H: who may write to whom in private. A dm is not a way to reach any user id one
 * has seen: it opens only between two people who share a group room (current members
 * both), or once it has a message (a recalled one counts: the conversation happened).
 * And while A blocks B, B can neither join nor write to their dm (A still can).
 */

/** The other user of a dm the caller is in; null for group rooms. */
function otherUser(roomId: string, userId: string): string | null {
  const ref = parseRoomId(roomId)
  if (ref?.kind !== 'dm' || !ref.users.includes(userId)) return null
  return ref.users[0] === userId ? ref.users[1] : ref.users[0]
}

/**
 * `join` and an HTTP send into a dm: blocked, or neither a message nor a common room → forbidden.
 * `room`: the room as the caller has just read it (null: none), so it is not read twice.
 */
export async function assertDmOpen(store: Store, roomId: string, userId: string, room?: RoomRecord | null): Promise<void> {
  const other = otherUser(roomId, userId)
  if (other === null) return
  await assertNotBlocked(store, roomId, userId)
  const found = room === undefined ? await store.getRoom(roomId) : room
  if (found && found.lastSeq > 0) return
  if (await store.blocks.shareGroupRoom(userId, other)) return
  throw new RefusedError(ErrorCode.Forbidden, 'a private chat opens between members of a common group room', 'dm')
}

/** Any send into a dm: refused while the other user blocks the sender. */
export async function assertNotBlocked(store: Store, roomId: string, userId: string): Promise<void> {
  const other = otherUser(roomId, userId)
  if (other === null) return
  if (!(await store.blocks.isBlocked(other, userId))) return
  throw new RefusedError(ErrorCode.Forbidden, 'this user does not accept your messages', 'block')
}
