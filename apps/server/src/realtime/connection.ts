import type { ServerFrame, User } from '@chat/protocol'
import { CloseCode } from '@chat/protocol'
import type { WebSocket } from 'ws'
import { textFrame } from './frame'
import { RoomCursors } from './room-cursors'
import { writeRaw } from './ws-raw'

/** The queue of a connection with nothing in flight (shared: see schedule). */
const IDLE: Promise<void> = Promise.resolve()

export type { RoomCursor } from './room-cursors'

/**
 * One client socket. Frames are handled one at a time in arrival order, so a `join`
 * followed at once by a `send` sees the join done, and replies come back in request order;
 * only consecutive sends overlap, from their append on (see schedule).
 */
export class Connection {
  user!: User
  /** The user's WeChat openid, from the hello (msgSecCheck needs it for each text). */
  openid: string | null = null
  readonly rooms = new RoomCursors()
  lastSeen = Date.now()
  closed = false
  /** Frames send() holds until the end of the turn (null: none). */
  private held: string[] | null = null
  private queue: Promise<void> = IDLE
  private settled: Promise<void> = IDLE
  private pending = 0

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly ip: string,
    private readonly maxBuffered: number,
    private readonly onSlow: (c: Connection) => void,
    /** Frames that may wait for the store at once (MAX_QUEUED_FRAMES); past it, 4009. */
    private readonly maxQueued = Number.POSITIVE_INFINITY,
  ) {}

  get authenticated(): boolean {
    return this.user !== undefined
  }

  /**
   * Sends an encoded frame at the end of this turn of the event loop, with whatever else this
   * socket gets in the turn, in one write: a batch commit acks several of a client's sends
   * at once, and their pushes follow in the same turn. Order is kept (sendFrames and close
   * write what is held first). A client that stopped reading is closed with 4009 instead.
   */
  send(data: string): void {
    if (this.closed || this.socket.readyState !== 1) return
    if (this.held) this.held.push(data)
    else {
      this.held = [data]
      holdUntilTurnEnd(this)
    }
  }

  /**
   * Writes ready-made WebSocket frames (see frame.ts) straight to the TCP socket, as
   * engine.io does for broadcasts: one write, one syscall, for however many pushes `frames`
   * holds (ws-raw.ts). Whenever that cannot be done, `fallback` sends the same pushes through ws.
   */
  sendFrames(frames: Buffer, fallback: () => string[]): void {
    if (this.closed || this.socket.readyState !== 1) return
    this.write(frames, fallback)
  }

  /** Writes what send() held (end of the turn). */
  flushHeld(): void {
    if (this.held && !this.closed && this.socket.readyState === 1) this.write(null, null)
  }

  private write(pushes: Buffer | null, pushTexts: (() => string[]) | null): void {
    const held = this.held
    this.held = null
    // Judged on what is already queued, so one large frame (a 200-message `joined`) always
    // goes out to a reader that keeps up; the buffer stays under the bound plus one write.
    if (this.socket.bufferedAmount > this.maxBuffered) return this.tooSlow()
    const parts = held ? held.map(textFrame) : []
    if (pushes) parts.push(pushes)
    if (parts.length > 0 && writeRaw(this.socket, parts.length === 1 ? parts[0] : Buffer.concat(parts))) return
    for (const s of held ?? []) this.socket.send(s)
    for (const s of pushTexts?.() ?? []) this.socket.send(s)
  }

  private tooSlow(): void {
    if (this.closed) return
    this.onSlow(this)
    this.close(CloseCode.SlowConsumer, 'client does not read fast enough')
    // Nothing more is queued, so memory stays bounded; the close frame waits behind the
    // unread data, and a reader that never comes back is cut off.
    setTimeout(() => this.socket.terminate(), 10_000).unref()
  }

  sendFrame(frame: ServerFrame): void {
    this.send(JSON.stringify(frame))
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    // What was said before the close goes out before it.
    this.flushHeld()
    if (this.closed) return
    this.closed = true
    try {
      this.socket.close(code, reason)
    } catch {
      this.socket.terminate()
    }
  }

  /**
   * Queues a client frame's work. A client that sends faster than the store answers (a
   * stalled database, a flood within the frame rate) would grow this queue without end:
   * past the bound it is closed with 4009, like a client that does not read. Returns false
   * then (the frame is dropped).
   */
  enqueueFrame(task: (turn: Turn) => Promise<void>, overlaps = false): boolean {
    if (this.pending >= this.maxQueued) {
      this.tooSlow()
      return false
    }
    this.schedule(task, overlaps)
    return true
  }

  /** Runs tasks one after another (unbounded: the server's own work, e.g. cleanup). */
  enqueue(task: () => Promise<void>): void {
    this.schedule(task, false)
  }

  /**
   * A task starts once every earlier task has finished — or, if it `overlaps` (a `send`),
   * once the one before it released its turn: a send releases it when its append is queued
   * in order at the store, so a client's consecutive sends share one commit instead of
   * waiting for one each. `turn.after` resolves when every earlier task has finished, which
   * keeps an overlapping task's replies in request order.
   */
  private schedule(task: (turn: Turn) => Promise<void>, overlaps: boolean): void {
    this.pending++
    const after = this.settled
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    const done = (overlaps ? this.queue : after)
      .then(() => task({ release, after }))
      .finally(() => {
        // Nothing left in flight: an idle socket keeps no promise of its own (memory per connection).
        if (--this.pending === 0) this.queue = this.settled = IDLE
      })
    const settle = done.then(noop, noop)
    this.queue = Promise.race([released, settle])
    this.settled = after.then(() => settle)
  }

  /** Resolves when every queued task has finished (used by the shutdown drain). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.settled
  }
}

const noop = (): void => {}

/** Connections with frames held by send(), written together at the end of the turn. */
const holding = new Set<Connection>()

function holdUntilTurnEnd(conn: Connection): void {
  if (holding.size === 0) setImmediate(flushHolding)
  holding.add(conn)
}

function flushHolding(): void {
  // Cleared first: a frame sent while these are written waits for the next turn's flush.
  const conns = [...holding]
  holding.clear()
  for (const conn of conns) conn.flushHeld()
}

/** A queued task's place in its connection's order (see Connection.schedule). */
export interface Turn {
  /** Lets the next task start while this one finishes. */
  release(): void
  /** Every earlier task has finished. */
  after: Promise<void>
}
