import type { RecalledFrame, RecallFrame } from '@chat/protocol'
import { recallMessage } from '../../services/messages'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

/** The requester gets `recalled` as its reply (with its id); everyone else as a push. */
export async function recall(ctx: HandlerContext, f: RecallFrame): Promise<void> {
  const { app, conn } = ctx
  const member = await joinedMember(ctx, f.room)
  const msg = await recallMessage(app.store, conn.user.id, member, f.room, f.seq)
  const frame: RecalledFrame = { type: 'recalled', room: f.room, seq: f.seq, by: conn.user.id }
  ctx.reply(frame)
  app.hub.emit(f.room, frame, { conn: conn.id })
  // v1.1 §B: a like or flower taken back lowers the totals; the next `reactions` frame says so.
  if (!msg.recalled && (msg.kind === 'like' || msg.kind === 'flower')) app.reactions.touch(f.room, null)
  await app.store.audit({ actorId: conn.user.id, action: 'recall', roomId: f.room, targetId: String(f.seq), detail: {}, ts: Date.now() })
}
