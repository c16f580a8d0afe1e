import { CloseCode, decodeClientFrame, ErrorCode, Limits, type ClientFrame, type RequestId } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocket, type RawData } from 'ws'
import { toAppError } from '../lib/errors'
import { randomId } from '../lib/ids'
import { Connection } from '../realtime/connection'
import { withId, type Handler, type HandlerContext } from './context'
import { handlers } from './dispatch'
import { hello } from './handlers/hello'

/** Where a socket's state hangs, so its listeners can be shared functions, not closures. */
const kState = Symbol('chat.socket')

/**
 * Everything one socket needs between frames, in one small object: most sockets are idle,
 * and per-socket closures and their contexts were a good part of an idle socket's heap.
 */
interface SocketState {
  app: FastifyInstance
  conn: Connection
  helloSeen: boolean
  /** Frame-rate window (two numbers rather than an object per window). */
  windowStart: number
  windowFrames: number
  /** Dropped once hello arrives, so an idle socket does not keep a spent timer alive. */
  helloTimer: NodeJS.Timeout | null
}
type ChatSocket = WebSocket & { [kState]: SocketState }
const stateOf = (ws: WebSocket): SocketState => (ws as ChatSocket)[kState]

/**
 * The server's socket class (ws's `WebSocket` option). Its own events go straight to the
 * handlers below instead of through listeners: four listeners put a socket's event table
 * in a larger hash table, ~100 bytes more for every idle connection (issue 13: heap per
 * connection). Anyone else's listeners (a shutdown waiting for 'close') are still called.
 */
export class ChatWebSocket extends WebSocket {
  declare [kState]?: SocketState

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this[kState] !== undefined) {
      switch (event) {
        case 'message':
          onMessage.call(this, args[0] as RawData, args[1] as boolean)
          break
        case 'pong':
          onPong.call(this)
          break
        case 'close':
          onClose.call(this)
          break
        case 'error':
          onError.call(this, args[0] as Error)
          // Unlike other events, an 'error' without listeners would throw.
          return this.listenerCount('error') > 0 ? super.emit(event, ...args) : true
      }
    }
    return super.emit(event, ...args)
  }
}

/**
 * One socket's life. Its events reach the handlers (ChatWebSocket.emit) from before anything
 * is awaited, so no frame sent right after the upgrade is missed; frames then run one at a time.
 */
export function handleSocket(app: FastifyInstance, socket: WebSocket, req: FastifyRequest): void {
  const conn = new Connection(
    randomId('c_', 12),
    socket,
    req.ip,
    app.config.limits.sendBufferBytes,
    slowCounter(app),
    app.config.limits.queuedFrames,
  )
  if (!(socket instanceof ChatWebSocket)) throw new Error('the websocket plugin must create ChatWebSocket sockets')
  const st: SocketState = { app, conn, helloSeen: false, windowStart: Date.now(), windowFrames: 0, helloTimer: null }
  // From here on the socket's events reach the handlers (ChatWebSocket.emit), before any await.
  ;(socket as ChatSocket)[kState] = st
  st.helloTimer = setTimeout(noHello, Limits.helloTimeoutMs, conn)
  st.helloTimer.unref()

  releaseUpgrade(socket, req)

  app.hub.add(conn)
  // Queued first, so the hello waits for it (the count may live in Redis, across nodes).
  conn.enqueue(async () => {
    if (!(await app.connLimits.acquireIp(conn))) conn.close(CloseCode.TooManyConnections, 'too many connections from this address')
  })
}

function noHello(conn: Connection): void {
  conn.close(CloseCode.NoHello, 'no hello within 10 s')
}

function stopHelloTimer(st: SocketState): void {
  if (st.helloTimer) clearTimeout(st.helloTimer)
  st.helloTimer = null
}

function onError(this: WebSocket, err: Error): void {
  stateOf(this).app.log.debug({ err: String(err) }, 'socket error')
}

function onPong(this: WebSocket): void {
  stateOf(this).conn.lastSeen = Date.now()
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const st = stateOf(this)
  const { conn } = st
  conn.lastSeen = Date.now()
  if (isBinary) return conn.close(CloseCode.Unsupported, 'text frames only')
  const decoded = decodeClientFrame(data.toString())
  if (!st.helloSeen) {
    // Before welcome only a hello is acceptable; anything else is an unauthenticated client.
    if (!decoded.ok || decoded.frame.type !== 'hello') return conn.close(CloseCode.BadToken, 'the first frame must be hello')
    st.helloSeen = true
    stopHelloTimer(st)
    return run(st, decoded.frame, hello as Handler)
  }
  if (!decoded.ok) return conn.sendFrame(withId({ type: 'error', code: decoded.code, message: decoded.message }, decoded.id))
  const now = Date.now()
  if (now - st.windowStart >= 1000) {
    st.windowStart = now
    st.windowFrames = 0
  }
  if (++st.windowFrames > st.app.config.limits.framesPerSec) {
    return conn.sendFrame(withId({ type: 'error', code: ErrorCode.RateLimited, message: 'too many frames per second' }, decoded.frame.id))
  }
  const frame = decoded.frame
  if (frame.type === 'hello') {
    return conn.sendFrame(withId({ type: 'error', code: ErrorCode.BadRequest, message: 'already said hello' }, frame.id))
  }
  run(st, frame, handlers[frame.type] as Handler)
}

function onClose(this: WebSocket): void {
  const st = stateOf(this)
  const { app, conn } = st
  stopHelloTimer(st)
  conn.closed = true
  // After queued work, so an in-flight join cannot re-subscribe a closed socket.
  conn.enqueue(async () => {
    await app.hub.remove(conn)
    await app.connLimits.release(conn)
  })
}

function run({ app, conn }: SocketState, frame: ClientFrame, handler: Handler): void {
  // Only a send overlaps the frames before it (from their append on); anything else starts
  // once they have all finished.
  const overlaps = frame.type === 'send'
  const queued = conn.enqueueFrame(async (turn) => {
    if (conn.closed) return
    const ctx: HandlerContext = { app, conn, turn, reply: (f) => conn.sendFrame(withId(f, frame.id)) }
    try {
      await handler(ctx, frame)
    } catch (err) {
      const e = toAppError(err)
      const refusal = (err as { refusal?: string }).refusal
      if (refusal) app.metrics?.refusals.inc({ limit: refusal })
      if (e.code === ErrorCode.Internal) app.log.error({ err, type: frame.type }, 'frame handler failed')
      if (e.code === ErrorCode.Unavailable) app.metrics?.storeErrors.inc()
      // After the replies to earlier frames (a send overlapping them), in request order.
      await turn.after
      conn.sendFrame(withId({ type: 'error', code: e.code, message: e.message, ...roomOf(frame) }, frame.id as RequestId | undefined))
      // A hello that failed for a reason other than its token (store down): try later.
      if (frame.type === 'hello' && !conn.authenticated) conn.close(1013, 'try again later')
    }
  }, overlaps)
  if (!queued) app.metrics?.refusals.inc({ limit: 'queue' })
}

/** One slow-consumer callback per app, shared by its sockets. */
const slowCounters = new WeakMap<FastifyInstance, () => void>()
function slowCounter(app: FastifyInstance): () => void {
  let fn = slowCounters.get(app)
  if (!fn) slowCounters.set(app, (fn = () => app.metrics?.slowConsumers.inc()))
  return fn
}

/**
 * @fastify/websocket keeps the upgrade's Fastify request and reply, the raw request and a
 * raw response bound to the TCP socket alive for as long as the socket is open (its error
 * listener closes over them, and the response holds the socket): about 4 KiB per idle
 * connection. Nothing here needs them after the upgrade, and socket errors are handled
 * by ChatWebSocket, so both links are cut.
 */
function releaseUpgrade(socket: WebSocket, req: FastifyRequest): void {
  socket.removeAllListeners('error')
  const tcp = req.raw.socket as Socket & { _httpMessage?: ServerResponse | null }
  tcp._httpMessage?.detachSocket(tcp)
}

function roomOf(frame: ClientFrame): { room?: string } {
  return 'room' in frame ? { room: frame.room } : {}
}
