// One socket for all rooms: handshake with `resume`, heartbeat, reconnect with backoff,
// request/reply by id. It knows nothing about rooms or messages; stores listen to `frame`.
import { CloseCode, type ClientFrame, type RequestId, type ServerFrame, type WelcomeFrame } from '@chat/protocol'
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff'
import { Emitter } from './emitter'
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

export class RequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

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

interface PendingRequest {
  resolve: (f: ServerFrame) => void
  reject: (e: RequestError) => void
  timer: ReturnType<typeof setTimeout>
}

const MISSED_PONGS_DEAD = 2

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
  private nextId = 1
  private requests = new Map<RequestId, PendingRequest>()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private connectTimer: ReturnType<typeof setTimeout> | null = null
  private beatTimer: ReturnType<typeof setInterval> | null = null
  private probeTimer: ReturnType<typeof setTimeout> | null = null
  private awaitingPong = false
  private missed = 0

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
    if (this.state === ConnState.Open) return this.probe()
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
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id)
        reject(new RequestError('timeout', `no reply to ${frame.type}`))
      }, timeoutMs)
      this.requests.set(id, { resolve: resolve as (f: ServerFrame) => void, reject, timer })
      if (!this.write({ ...frame, id })) {
        clearTimeout(timer)
        this.requests.delete(id)
        reject(new RequestError('offline', 'not connected'))
      }
    })
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
      this.write({ type: 'hello', id: this.nextId++, token, ...resume })
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
    if (frame.type === 'pong') {
      this.awaitingPong = false
      this.missed = 0
      this.clearTimer('probeTimer')
    }
    this.emit('frame', frame)
    const id = 'id' in frame ? frame.id : undefined
    const req = id === undefined ? undefined : this.requests.get(id)
    if (req && id !== undefined) {
      this.requests.delete(id)
      clearTimeout(req.timer)
      if (frame.type === 'error') req.reject(new RequestError(frame.code, frame.message))
      else req.resolve(frame)
    }
  }

  private onWelcome(frame: WelcomeFrame): void {
    this.clearTimer('connectTimer')
    this.attempt = 0
    this.heartbeatMs = frame.heartbeat > 0 ? frame.heartbeat : 25_000
    this.awaitingPong = false
    this.missed = 0
    this.beatTimer = setInterval(() => this.beat(), this.heartbeatMs)
    this.setState(ConnState.Open)
    this.emit('welcome', frame)
  }

  /** Ping every interval; two intervals without a pong means the link is dead. */
  private beat(): void {
    if (this.awaitingPong && ++this.missed >= MISSED_PONGS_DEAD) return this.lost(4000, 'heartbeat timeout')
    this.awaitingPong = true
    this.write({ type: 'ping' })
  }

  private probe(): void {
    if (this.probeTimer) return
    this.awaitingPong = true
    this.write({ type: 'ping' })
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null
      if (this.awaitingPong && this.state === ConnState.Open) this.lost(4000, 'probe timeout')
    }, this.opts.probeTimeoutMs ?? 5000)
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
    this.clearTimer('probeTimer')
    if (this.beatTimer) clearInterval(this.beatTimer)
    this.beatTimer = null
    if (ws) {
      try {
        ws.close(1000, 'bye')
      } catch {
        // already closed
      }
    }
    const pending = [...this.requests.values()]
    this.requests.clear()
    for (const r of pending) {
      clearTimeout(r.timer)
      r.reject(new RequestError('disconnected', 'connection lost'))
    }
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

  private clearTimer(name: 'retryTimer' | 'connectTimer' | 'probeTimer'): void {
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
