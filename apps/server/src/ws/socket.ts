import { CloseCode, decodeClientFrame, ErrorCode, Limits, type ClientFrame, type RequestId } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
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
  // Frame-rate window as two numbers (no object per window): idle sockets are most sockets.
  let windowStart = Date.now()
  let windowFrames = 0

  // Dropped once hello arrives, so an idle socket does not keep a spent timer alive.
  let helloTimer: NodeJS.Timeout | null = setTimeout(() => conn.close(CloseCode.NoHello, 'no hello within 10 s'), Limits.helloTimeoutMs)
  helloTimer.unref()
  const stopHelloTimer = () => {
    if (helloTimer) clearTimeout(helloTimer)
    helloTimer = null
  }

  releaseUpgrade(socket, req)
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
      stopHelloTimer()
      return run(decoded.frame, hello as Handler)
    }
    if (!decoded.ok) return conn.sendFrame(withId({ type: 'error', code: decoded.code, message: decoded.message }, decoded.id))
    const now = Date.now()
    if (now - windowStart >= 1000) {
      windowStart = now
      windowFrames = 0
    }
    if (++windowFrames > limits.framesPerSec) {
      return conn.sendFrame(withId({ type: 'error', code: ErrorCode.RateLimited, message: 'too many frames per second' }, decoded.frame.id))
    }
    const frame = decoded.frame
    if (frame.type === 'hello') {
      return conn.sendFrame(withId({ type: 'error', code: ErrorCode.BadRequest, message: 'already said hello' }, frame.id))
    }
    run(frame, handlers[frame.type] as Handler)
  })
  socket.on('close', () => {
    stopHelloTimer()
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

/**
 * @fastify/websocket keeps the upgrade's Fastify request and reply, the raw request and a
 * raw response bound to the TCP socket alive for as long as the socket is open (its error
 * listener closes over them, and the response holds the socket): about 4 KiB per idle
 * connection. Nothing here needs them after the upgrade, and socket errors are handled
 * below, so both links are cut.
 */
function releaseUpgrade(socket: WebSocket, req: FastifyRequest): void {
  socket.removeAllListeners('error')
  const tcp = req.raw.socket as Socket & { _httpMessage?: ServerResponse | null }
  tcp._httpMessage?.detachSocket(tcp)
}

function roomOf(frame: ClientFrame): { room?: string } {
  return 'room' in frame ? { room: frame.room } : {}
}
