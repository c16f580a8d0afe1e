import { ErrorCode, Limits, parseRoomId, type Role, type RoomInfo } from '@chat/protocol'
import { fail } from '../lib/errors'
import { randomId } from '../lib/ids'
import { assertDmOpen } from './dm-policy'
import type { JoinView, MemberRecord, RoomRecord, Store } from '../store/types'

/**
 * v1.1 §A's RoomInfo from a room and its admins. `stats` (§B): the like/flower messages'
 * counters plus the reactions — `reactions` when given (the live totals, see
 * Reactions.live), else the totals as last persisted.
 */
export function roomInfo(r: RoomRecord, admins: string[], reactions?: { likes: number; flowers: number }): RoomInfo {
  const rx = reactions ?? { likes: r.reactionLikes, flowers: r.reactionFlowers }
  return {
    id: r.id,
    title: r.title,
    kind: r.kind,
    owner: r.ownerId,
    admins,
    access: r.access,
    mutedAll: r.mutedAll,
    announcement: r.announcement,
    stats: { likes: r.likes + rx.likes, flowers: r.flowers + rx.flowers },
  }
}

/**
 * The room's RoomInfo as stored now, or null when there is no such room. `live` gives the
 * reactions' live totals (app.reactions.live) for `stats`.
 */
export async function loadRoomInfo(
  store: Store,
  roomId: string,
  live?: (room: RoomRecord) => Promise<{ likes: number; flowers: number }>,
): Promise<RoomInfo | null> {
  const [room, admins] = await Promise.all([store.getRoom(roomId), store.listAdmins(roomId)])
  if (!room) return null
  return roomInfo(room, admins, live ? await live(room) : undefined)
}

/** Invite codes: 12 base62 characters (~71 bits), well past the contract's 8. */
export const newInviteCode = () => randomId('', Math.max(Limits.inviteCodeMin, 12))

/** A join's view of its room once the room exists (see openRoom). */
export type OpenedRoom = JoinView & { room: RoomRecord }

/**
 * Opens a room for a user about to join: creates an unknown group room (public, no owner)
 * or dm room, and refuses dm rooms of other people and users kicked for a while. Returns
 * the room with what the join needs to know about the user there (one store read).
 */
export async function openRoom(
  store: Store,
  userId: string,
  roomId: string,
  now = Date.now(),
  /** The word filter for the title a new group room takes from its id (v1.1 §H). */
  cleanTitle: (title: string) => string = (t) => t,
): Promise<OpenedRoom> {
  const ref = parseRoomId(roomId)
  if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
  if (ref.kind === 'dm' && !ref.users.includes(userId)) return fail(ErrorCode.Forbidden, 'a private chat is only for its two users')
  const other = ref.kind === 'dm' ? (ref.users[0] === userId ? ref.users[1] : ref.users[0]) : null
  // All reads at once: a join is a few round trips shorter, and a kicked user learns nothing more.
  const [view, otherUser] = await Promise.all([store.joinView(roomId, userId), other === null ? null : store.getUser(other)])
  if (other !== null && !otherUser) return fail(ErrorCode.NotFound, 'no such user')
  // The dm's refusals come before a kick's, as before; the room just read is not read again.
  if (ref.kind === 'dm') await assertDmOpen(store, roomId, userId, view.room)
  if (view.kickedUntil !== null && view.kickedUntil > now) {
    return fail(ErrorCode.Forbidden, `removed from this room until ${new Date(view.kickedUntil).toISOString()}`)
  }
  if (view.room) return view as OpenedRoom
  const room = await store.ensureRoom({
    id: roomId,
    title: ref.kind === 'group' ? cleanTitle(roomId) : roomId,
    kind: ref.kind,
    ownerId: null,
    ts: now,
  })
  if (ref.kind === 'dm') {
    // Both people see a private chat in their room list from the start.
    for (const u of ref.users) if (u !== userId) await store.addMember(roomId, u, now)
  }
  // The view was read before the room existed; a room made meanwhile by its owner (POST
  // /api/rooms racing this join) is the one case where the user's role is not 'member'.
  return { ...view, room, role: room.ownerId === userId ? 'owner' : view.role }
}

/**
 * §A invite rooms: a user who is not a member (and holds no role there) needs the room's
 * code. Members, the owner and admins come back without one; a kick ends the membership.
 */
export function checkInvite(opened: OpenedRoom, invite: string | undefined): void {
  const { room } = opened
  if (room.access !== 'invite' || room.kind !== 'group') return
  if (opened.member || opened.role !== 'member') return
  if (invite === undefined) return fail(ErrorCode.Forbidden, 'this room is invite-only: join with its invite code')
  if (room.inviteCode === null || invite !== room.inviteCode) return fail(ErrorCode.Forbidden, 'wrong invite code')
}

/**
 * The membership a join ends with: the one it found, else a new row (the read mark at the
 * room's last seq) made from what the join already read; addMember's full read only when a
 * racing join of the same user inserted first.
 */
export async function joinMembership(store: Store, opened: OpenedRoom, userId: string, now: number): Promise<MemberRecord> {
  if (opened.member) return opened.member
  const made = await store.insertMember(opened.room.id, userId, now)
  if (!made) return store.addMember(opened.room.id, userId, now)
  return {
    roomId: opened.room.id,
    userId,
    role: opened.role,
    readSeq: made.readSeq,
    mutedUntil: opened.mutedUntil,
    joinedAt: made.joinedAt,
    mutedAll: opened.room.mutedAll,
  }
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

/**
 * The room and the caller's role, for the host's calls: owner (ownerOnly) or owner and
 * admins, member or not (roles belong to the user); others `forbidden`.
 */
export async function requireHost(
  store: Store,
  roomId: string,
  userId: string,
  ownerOnly = false,
): Promise<{ room: RoomRecord; role: Role }> {
  if (!parseRoomId(roomId)) return fail(ErrorCode.BadRequest, 'malformed room id')
  const room = await store.getRoom(roomId)
  if (!room) return fail(ErrorCode.NotFound, 'no such room')
  const role = await store.getRole(roomId, userId)
  if (ownerOnly ? role !== 'owner' : role === 'member') {
    return fail(ErrorCode.Forbidden, ownerOnly ? 'only the room owner can do this' : "only the room's owner or admins can do this")
  }
  return { room, role }
}

export function isModerator(m: { role: Role } | null): boolean {
  return m !== null && (m.role === 'owner' || m.role === 'admin')
}
