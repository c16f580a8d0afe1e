import type { HistoryFrame } from '@chat/protocol'
import { fitPage } from '../../services/page-cut'
import type { HandlerContext } from '../context'
import { joinedMember } from './joined-member'

export async function history(ctx: HandlerContext, f: HistoryFrame): Promise<void> {
  await joinedMember(ctx, f.room)
  const page = await ctx.app.store.getMessages(f.room, { before: f.before, after: f.after, limit: f.limit })
  // Cut to fit 1 MiB, keeping the messages nearest the cursor (an `after` page its oldest).
  const head = { type: 'history', room: f.room, id: f.id }
  const { messages, more } = fitPage(head, page, f.after !== undefined ? 'oldest' : 'newest')
  ctx.reply({ type: 'history', room: f.room, messages, more })
}
