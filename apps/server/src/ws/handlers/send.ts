import type { SendFrame } from '@chat/protocol'
import { sendMessage } from '../../services/messages'
import type { HandlerContext } from '../context'
import { cachedMember } from './joined-member'

/**
 * send: store, then ack, then publish (services/messages.ts keeps that order). The next
 * frame may start once this append is queued at the store; this ack still comes first.
 */
export async function send(ctx: HandlerContext, f: SendFrame): Promise<void> {
  const { app, conn } = ctx
  const started = performance.now()
  const sender = { id: conn.user.id, openid: conn.openid }
  await sendMessage(
    app.chatDeps,
    sender,
    cachedMember(ctx, f.room),
    f,
    (m) => ctx.reply({ type: 'ack', room: f.room, cid: m.cid, seq: m.seq, ts: m.ts }),
    Date.now(),
    ctx.turn,
  )
  app.metrics?.sendAck.observe((performance.now() - started) / 1000)
}
