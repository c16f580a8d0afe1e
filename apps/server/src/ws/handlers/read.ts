import type { ReadFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

/**
 * read raises the caller's read mark (never lowers it, never past the room's head). Only a
 * mark that went up is pushed: a repeated or lower `read` is a no-op for everyone else, so
 * one socket cannot make a whole room receive a frame per frame it sends.
 */
export async function read(ctx: HandlerContext, f: ReadFrame): Promise<void> {
  const { app, conn } = ctx
  const member = await joinedMember(ctx, f.room)
  if (f.seq <= member.readSeq) return
  const room = await app.store.getRoom(f.room)
  const seq = Math.min(f.seq, room?.lastSeq ?? 0)
  if (seq <= member.readSeq) return
  if (!(await app.store.setReadSeq(f.room, conn.user.id, seq))) return
  app.hub.emit(f.room, { type: 'read', room: f.room, user: conn.user.id, seq })
}
