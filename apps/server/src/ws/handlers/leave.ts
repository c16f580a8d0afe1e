import type { LeaveFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'

/**
 * leave ends the subscription and the membership (a disconnect ends only the first); the
 * user's other connections get `left` too, since they are no longer a member.
 */
export async function leave(ctx: HandlerContext, f: LeaveFrame): Promise<void> {
  const { app, conn } = ctx
  await app.hub.unsubscribe(conn, f.room)
  await app.store.removeMember(f.room, conn.user.id)
  ctx.reply({ type: 'left', room: f.room })
  app.hub.control({ k: 'leave', room: f.room, user: conn.user.id, conn: conn.id })
}
