import { ErrorCode } from '@chat/protocol'
import { fail } from '../../lib/errors'
import type { MemberRecord } from '../../store/types'
import type { HandlerContext } from '../context'

/** The caller's membership of a room this connection has joined (else `not_joined`). */
export async function joinedMember(ctx: HandlerContext, room: string): Promise<MemberRecord> {
  if (!ctx.conn.rooms.has(room)) return fail(ErrorCode.NotJoined, 'join the room first')
  const member = await ctx.app.store.getMember(room, ctx.conn.user.id)
  // Kicked on another node a moment ago: the subscription is about to end too.
  if (!member) return fail(ErrorCode.NotJoined, 'no longer a member of this room')
  return member
}
