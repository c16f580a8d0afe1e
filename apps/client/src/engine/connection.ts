// One socket for all rooms: handshake with `resume`, heartbeat, reconnect with backoff,
// request/reply by id. It knows nothing about rooms or messages; stores listen to `frame`.
import { CloseCode, type ClientFrame, type ServerFrame, type WelcomeFrame } from '@chat/protocol'
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff'
import { Emitter } from './emitter'
import { Heartbeat } from './heartbeat'
import { PendingRequests, RequestError } from './requests'
import type { SocketFactory, SocketLike } from './types'

export const ConnState = {
  Idle: 'idle', // not started (no token) or stopped on purpose
  Connecting: 'connecting', // socket opening or waiting for `welcome`
  Open: 'open', // welcomed: requests flow
  Waiting: 'waiting', // backing off before the next attempt
  Paused: 'paused', // app in the background (mini-program)
  Stopped: 'stopped', // the server refused us for good (bad token, banned)
} as const
export type ConnState = (typeof ConnState)[keyof typeof ConnState]

export { RequestError }

export interface ConnectionOptions {
  url: () => string
  socket: SocketFactory
  token: () => string | null
  /** room → last seq held; sent in `hello` so the server re-joins those rooms. */
  resume: () => Record<string, number>
  backoff?: BackoffOptions
  random?: () => number
  connectTimeoutMs?: number
  requestTimeoutMs?: number
  /** How long a wake-up probe waits for its pong. */
  probeTimeoutMs?: number
}

export interface ConnectionEvents extends Record<string, unknown> {
  state: ConnState
  welcome: WelcomeFrame
  frame: ServerFrame
  close: { code: number; reason: string }
  fatal: { code: number; reason: string }
}

export class Connection extends Emitter<ConnectionEvents> {
  state: ConnState = ConnState.Idle
  /** Failed attempts since the last `welcome`; drives the backoff window. */
  attempt = 0
  /** When the next attempt starts (ms epoch) while `waiting`. */
  retryAt = 0
  /** The resume map sent with the current connection's `hello`. */
  lastResume: Record<string, number> = {}
  heartbeatMs = 25_000

  private ws: SocketLike | null = null
  private gen = 0
  private readonly requests = new PendingRequests()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private connectTimer: ReturnType<typeof setTimeout> | null = null
  private readonly heartbeat = new Heartbeat(
    () => this.write({ type: 'ping' }),
    (reason) => this.lost(4000, reason),
  )

  constructor(private readonly opts: ConnectionOptions) {
    super()
  }

  get isOpen(): boolean {
    return this.state === ConnState.Open
  }

  /** Connects now unless already connected or connecting. */
  start(): void {
    if (this.state === ConnState.Open || this.state === ConnState.Connecting) return
    this.connectNow()
  }

  /** Closes for good (logout). */
  stop(): void {
    this.shutdown(ConnState.Idle)
  }

  /** Background: the mini-program is about to be frozen; a frozen socket only dies slowly. */
  pause(): void {
    if (this.state === ConnState.Idle || this.state === ConnState.Stopped) return
    this.shutdown(ConnState.Paused)
  }

  /** Foreground or network back: reconnect at once, or check a socket that looks open. */
  wake(): void {
    if (this.state === ConnState.Open) return this.heartbeat.probe(this.opts.probeTimeoutMs ?? 5000)
    if (this.state === ConnState.Paused || this.state === ConnState.Waiting) this.connectNow()
    else if (this.state === ConnState.Idle && this.opts.token()) this.connectNow()
  }

  /** Fire-and-forget frame; false when not connected (the caller decides what to keep). */
  send(frame: ClientFrame): boolean {
    if (this.state !== ConnState.Open || !this.ws) return false
    return this.write(frame)
  }

  /** Sends a frame with a fresh id and resolves with the reply that carries it. */
  request<T extends ServerFrame = ServerFrame>(frame: ClientFrame, timeoutMs = this.opts.requestTimeoutMs ?? 15_000): Promise<T> {
    if (this.state !== ConnState.Open) return Promise.reject(new RequestError('offline', 'not connected'))
    const id = this.requests.newId()
    const reply = this.requests.wait<T>(id, frame.type, timeoutMs)
    if (!this.write({ ...frame, id })) this.requests.fail(id, 'offline', 'not connected')
    return reply
  }

  private connectNow(): void {
    this.dropSocket()
    this.clearTimer('retryTimer')
    const token = this.opts.token()
    if (!token) return this.setState(ConnState.Idle)
    const gen = ++this.gen
    this.setState(ConnState.Connecting)
    let ws: SocketLike
    try {
      ws = this.opts.socket(this.opts.url())
    } catch {
      return this.scheduleRetry()
    }
    this.ws = ws
    const live = () => gen === this.gen
    ws.onOpen(() => {
      if (!live()) return
      this.lastResume = this.opts.resume()
      const resume = Object.keys(this.lastResume).length ? { resume: this.lastResume } : {}
      this.write({ type: 'hello', id: this.requests.newId(), token, ...resume })
    })
    ws.onMessage((data) => live() && this.onData(data))
    ws.onClose((code, reason) => live() && this.lost(code, reason))
    ws.onError(() => live() && this.lost(1006, 'socket error'))
    this.connectTimer = setTimeout(() => live() && this.lost(4000, 'connect timeout'), this.opts.connectTimeoutMs ?? 10_000)
  }

  private onData(data: string): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(data)
    } catch {
      return
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return
    if (frame.type === 'welcome') return this.onWelcome(frame)
    if (frame.type === 'pong') this.heartbeat.pong()
    // Listeners see every frame (replies too) before the requester's promise resolves.
    this.emit('frame', frame)
    this.requests.settle(frame)
  }

  private onWelcome(frame: WelcomeFrame): void {
    this.clearTimer('connectTimer')
    this.attempt = 0
    this.heartbeatMs = frame.heartbeat > 0 ? frame.heartbeat : 25_000
    this.heartbeat.start(this.heartbeatMs)
    this.setState(ConnState.Open)
    this.emit('welcome', frame)
  }

  private lost(code: number, reason: string): void {
    this.dropSocket()
    this.emit('close', { code, reason })
    if (code === CloseCode.BadToken || code === CloseCode.Banned) {
      this.setState(ConnState.Stopped)
      this.emit('fatal', { code, reason })
      return
    }
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt++, this.opts.backoff ?? defaultBackoff, this.opts.random)
    this.retryAt = Date.now() + delay
    this.setState(ConnState.Waiting)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connectNow()
    }, delay)
  }

  private shutdown(state: ConnState): void {
    this.dropSocket()
    this.clearTimer('retryTimer')
    this.setState(state)
  }

  /** Forgets the current socket: its late events are ignored, its requests fail. */
  private dropSocket(): void {
    this.gen++
    const ws = this.ws
    this.ws = null
    this.clearTimer('connectTimer')
    this.heartbeat.stop()
    if (ws) {
      try {
        ws.close(1000, 'bye')
      } catch {
        // already closed
      }
    }
    this.requests.failAll('disconnected', 'connection lost')
  }

  private write(frame: ClientFrame): boolean {
    if (!this.ws) return false
    try {
      this.ws.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  private clearTimer(name: 'retryTimer' | 'connectTimer'): void {
    const t = this[name]
    if (t) clearTimeout(t)
    this[name] = null
  }

  private setState(s: ConnState): void {
    if (this.state === s) return
    this.state = s
    this.emit('state', s)
  }
}
