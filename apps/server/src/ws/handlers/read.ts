import type { ReadFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

/** read raises the caller's read mark (never lowers it, never past the room's head). */
export async function read(ctx: HandlerContext, f: ReadFrame): Promise<void> {
  const { app, conn } = ctx
  const member = await joinedMember(ctx, f.room)
  const room = await app.store.getRoom(f.room)
  const seq = Math.min(f.seq, room?.lastSeq ?? 0)
  if (seq > member.readSeq) await app.store.setReadSeq(f.room, conn.user.id, seq)
  app.hub.emit(f.room, { type: 'read', room: f.room, user: conn.user.id, seq: Math.max(seq, member.readSeq) })
}
