import type { HistoryFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

export async function history(ctx: HandlerContext, f: HistoryFrame): Promise<void> {
  await joinedMember(ctx, f.room)
  const page = await ctx.app.store.getMessages(f.room, { before: f.before, after: f.after, limit: f.limit })
  ctx.reply({ type: 'history', room: f.room, messages: page.messages, more: page.more })
}
