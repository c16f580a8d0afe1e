import { ErrorCode, type TypingFrame } from '@chat/protocol'
import { fail } from '../../lib/errors'
import type { HandlerContext } from '../context'

export async function typing(ctx: HandlerContext, f: TypingFrame): Promise<void> {
  const { app, conn } = ctx
  if (!conn.rooms.has(f.room)) fail(ErrorCode.NotJoined, 'join the room first')
  // Typing is a hint: extra ones within a second are dropped, not refused.
  if (!(await app.limiter.hit(`typing:${conn.id}:${f.room}`, 1, 1000))) return
  app.hub.emit(f.room, { type: 'typing', room: f.room, user: conn.user }, { user: conn.user.id })
}
