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

/**
 * joinedMember for a socket send, from this node's cache (realtime/member-cache.ts) while
 * the room's stamp in Redis confirms it: one store read less per message. Mutes, kicks,
 * leaves, 全员禁言 and role changes drop it on every node and bump the stamp.
 */
export async function cachedMember(ctx: HandlerContext, room: string): Promise<MemberRecord> {
  if (!ctx.conn.rooms.has(room)) return fail(ErrorCode.NotJoined, 'join the room first')
  return ctx.app.reactMembers.get(room, ctx.conn.user.id, () => joinedMember(ctx, room), true)
}
