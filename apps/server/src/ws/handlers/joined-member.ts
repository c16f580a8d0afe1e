import { ErrorCode } from '@chat/protocol'
import { fail } from '../../lib/errors'
import type { MemberRecord } from '../../store/types'
import type { HandlerContext } from '../context'

/** The caller's membership of a room this connection has joined (else `not_joined`). */
export async function joinedMember(ctx: HandlerContext, room: string): Promise<MemberRecord> {
  if (!ctx.conn.rooms.has(room)) return fail(ErrorCode.NotJoined, 'join the room first')
  const { store } = ctx.app
  const userId = ctx.conn.user.id
  const member = await store.getMember(room, userId)
  if (member) return member
  // Kicked a moment ago (the subscription is about to end too): refused.
  const kickedUntil = await store.getKickedUntil(room, userId)
  if (kickedUntil !== null && kickedUntil > Date.now()) return fail(ErrorCode.NotJoined, 'no longer a member of this room')
  // Left on another tab or device while this one stays joined: this one still counts.
  return store.addMember(room, userId, Date.now())
}
