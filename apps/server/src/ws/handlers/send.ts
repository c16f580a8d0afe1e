import type { SendFrame } from '@chat/protocol'
import { sendMessage } from '../../services/messages'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

/** send: store, then ack, then publish — never the other way round. */
export async function send(ctx: HandlerContext, f: SendFrame): Promise<void> {
  const { app, conn } = ctx
  const started = performance.now()
  const { message, duplicate } = await sendMessage(app.chatDeps, conn.user.id, joinedMember(ctx, f.room), f)
  ctx.reply({ type: 'ack', room: f.room, cid: message.cid, seq: message.seq, ts: message.ts })
  if (!duplicate) {
    app.hub.message(message)
    app.metrics?.stored.inc()
  }
  app.metrics?.sendAck.observe((performance.now() - started) / 1000)
}
