import { ErrorCode, parseRoomId, type RoomInfo } from '@chat/protocol'
import { AppError, fail } from '../lib/errors'
import type { MemberRecord, RoomRecord, Store } from '../store/types'

export const roomInfo = (r: RoomRecord): RoomInfo => ({ id: r.id, title: r.title, kind: r.kind })

/**
 * Opens a room for a user about to join: creates an unknown group room (public, no owner)
 * or dm room, and refuses dm rooms of other people and users kicked for a while.
 */
export async function openRoom(store: Store, userId: string, roomId: string, now = Date.now()): Promise<RoomRecord> {
  const ref = parseRoomId(roomId)
  if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
  if (ref.kind === 'dm') {
    if (!ref.users.includes(userId)) return fail(ErrorCode.Forbidden, 'a private chat is only for its two users')
    const other = ref.users[0] === userId ? ref.users[1] : ref.users[0]
    if (!(await store.getUser(other))) return fail(ErrorCode.NotFound, 'no such user')
  }
  const kickedUntil = await store.getKickedUntil(roomId, userId)
  if (kickedUntil !== null && kickedUntil > now) {
    return fail(ErrorCode.Forbidden, `removed from this room until ${new Date(kickedUntil).toISOString()}`)
  }
  const existing = await store.getRoom(roomId)
  if (existing) return existing
  const room = await store.ensureRoom({ id: roomId, title: roomId, kind: ref.kind, ownerId: null, ts: now })
  if (ref.kind === 'dm') {
    // Both people see a private chat in their room list from the start.
    for (const u of ref.users) if (u !== userId) await store.addMember(roomId, u, 'member', now)
  }
  return room
}

/** The room and the caller's membership, for HTTP calls that need a member. */
export async function requireMember(store: Store, roomId: string, userId: string): Promise<{ room: RoomRecord; member: MemberRecord }> {
  if (!parseRoomId(roomId)) return fail(ErrorCode.BadRequest, 'malformed room id')
  const room = await store.getRoom(roomId)
  if (!room) return fail(ErrorCode.NotFound, 'no such room')
  const member = await store.getMember(roomId, userId)
  if (!member) return fail(ErrorCode.NotJoined, 'join the room first')
  return { room, member }
}

export function isModerator(m: MemberRecord | null): boolean {
  return m !== null && (m.role === 'owner' || m.role === 'admin')
}

export function notFound(what: string): AppError {
  return new AppError(ErrorCode.NotFound, `no such ${what}`)
}
