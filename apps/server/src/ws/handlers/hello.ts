import { CloseCode, ErrorCode, Limits, type HelloFrame } from '@chat/protocol'
import { AppError, toAppError } from '../../lib/errors'
import { publicUser } from '../../plugins/app/auth'
import type { UserRecord } from '../../store/types'
import type { HandlerContext } from '../context'
import { join } from './join'

/**
 * hello: authenticate, enforce the per-user connection cap, welcome, then re-join each
 * room of `resume` exactly as a `join` with `after` would (one `joined` each, no id).
 */
export async function hello(ctx: HandlerContext, f: HelloFrame): Promise<void> {
  const { app, conn } = ctx
  let user: UserRecord
  try {
    user = await app.auth.authenticate(f.token)
  } catch (err) {
    const e = toAppError(err)
    if (e.code === ErrorCode.Forbidden) return conn.close(CloseCode.Banned, 'banned')
    if (e.code === ErrorCode.Unauthorized) return conn.close(CloseCode.BadToken, 'missing, bad or expired token')
    throw e
  }
  if (conn.closed) return
  conn.user = publicUser(user)
  conn.openid = user.openid
  if (!(await app.connLimits.acquireUser(conn))) {
    return conn.close(CloseCode.TooManyConnections, 'too many connections for this user')
  }
  app.hub.authenticated(conn)
  ctx.reply({ type: 'welcome', user: conn.user, node: app.config.nodeId, heartbeat: Limits.heartbeatMs })
  for (const [room, after] of Object.entries(f.resume ?? {})) {
    if (conn.closed) return
    const inner: HandlerContext = { ...ctx, reply: (frame) => conn.sendFrame(frame) }
    try {
      await join(inner, { type: 'join', room, after })
    } catch (err) {
      const e = err instanceof AppError ? err : toAppError(err)
      conn.sendFrame({ type: 'error', code: e.code, message: e.message, room })
    }
  }
}
