import type { PingFrame } from '@chat/protocol'
import type { HandlerContext } from '../context'

export async function ping(ctx: HandlerContext, _f: PingFrame): Promise<void> {
  ctx.reply({ type: 'pong', ts: Date.now() })
}
