import { CloseCode, decodeClientFrame, ErrorCode, Limits, type ClientFrame, type RequestId } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { toAppError } from '../lib/errors'
import { randomId } from '../lib/ids'
import { Connection } from '../realtime/connection'
import { withId, type Handler, type HandlerContext } from './context'
import { handlers } from './dispatch'
import { hello } from './handlers/hello'

/**
 * One socket's life. The message listener is attached before anything is awaited, so no
 * frame sent right after the upgrade is missed; frames then run one at a time.
 */
export function handleSocket(app: FastifyInstance, socket: WebSocket, req: FastifyRequest): void {
  const { limits } = app.config
  const conn = new Connection(randomId('c_', 12), socket, req.ip, limits.sendBufferBytes, () => app.metrics?.slowConsumers.inc())
  let helloSeen = false
  let window = { start: Date.now(), frames: 0 }

  const helloTimer = setTimeout(() => conn.close(CloseCode.NoHello, 'no hello within 10 s'), Limits.helloTimeoutMs)
  helloTimer.unref()

  socket.on('error', (err) => app.log.debug({ err: String(err) }, 'socket error'))
  socket.on('pong', () => (conn.lastSeen = Date.now()))
  socket.on('message', (data, isBinary) => {
    conn.lastSeen = Date.now()
    if (isBinary) return conn.close(CloseCode.Unsupported, 'text frames only')
    const text = data.toString()
    const decoded = decodeClientFrame(text)
    if (!helloSeen) {
      // Before welcome only a hello is acceptable; anything else is an unauthenticated client.
      if (!decoded.ok || decoded.frame.type !== 'hello') return conn.close(CloseCode.BadToken, 'the first frame must be hello')
      helloSeen = true
      clearTimeout(helloTimer)
      return run(decoded.frame, hello as Handler)
    }
    if (!decoded.ok) return conn.sendFrame(withId({ type: 'error', code: decoded.code, message: decoded.message }, decoded.id))
    const now = Date.now()
    if (now - window.start >= 1000) window = { start: now, frames: 0 }
    if (++window.frames > limits.framesPerSec) {
      return conn.sendFrame(withId({ type: 'error', code: ErrorCode.RateLimited, message: 'too many frames per second' }, decoded.frame.id))
    }
    const frame = decoded.frame
    if (frame.type === 'hello') {
      return conn.sendFrame(withId({ type: 'error', code: ErrorCode.BadRequest, message: 'already said hello' }, frame.id))
    }
    run(frame, handlers[frame.type] as Handler)
  })
  socket.on('close', () => {
    clearTimeout(helloTimer)
    conn.closed = true
    // After queued work, so an in-flight join cannot re-subscribe a closed socket.
    conn.enqueue(async () => {
      await app.hub.remove(conn)
      await app.connLimits.release(conn)
    })
  })

  app.hub.add(conn)
  // Queued first, so the hello waits for it (the count may live in Redis, across nodes).
  conn.enqueue(async () => {
    if (!(await app.connLimits.acquireIp(conn))) conn.close(CloseCode.TooManyConnections, 'too many connections from this address')
  })

  function run(frame: ClientFrame, handler: Handler): void {
    const ctx: HandlerContext = { app, conn, reply: (f) => conn.sendFrame(withId(f, frame.id)) }
    conn.enqueue(async () => {
      if (conn.closed) return
      try {
        await handler(ctx, frame)
      } catch (err) {
        const e = toAppError(err)
        if (e.code === ErrorCode.Internal) app.log.error({ err, type: frame.type }, 'frame handler failed')
        if (e.code === ErrorCode.Unavailable) app.metrics?.storeErrors.inc()
        conn.sendFrame(withId({ type: 'error', code: e.code, message: e.message, ...roomOf(frame) }, frame.id as RequestId | undefined))
        // A hello that failed for a reason other than its token (store down): try later.
        if (frame.type === 'hello' && !conn.authenticated) conn.close(1013, 'try again later')
      }
    })
  }
}

function roomOf(frame: ClientFrame): { room?: string } {
  return 'room' in frame ? { room: frame.room } : {}
}
