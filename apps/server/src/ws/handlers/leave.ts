import type { LeaveFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'

/**
 * leave ends this connection's subscription and the membership (a disconnect ends only the
 * first). The user's other connections stay in the room, as presence counts them one by one.
 */
export async function leave(ctx: HandlerContext, f: LeaveFrame): Promise<void> {
  const { app, conn } = ctx
  await app.hub.unsubscribe(conn, f.room)
  await app.store.removeMember(f.room, conn.user.id)
  // The user's other tabs (any node) read the membership afresh: their next send rejoins it.
  app.reactMembers.drop(f.room, conn.user.id, true)
  ctx.reply({ type: 'left', room: f.room })
}
