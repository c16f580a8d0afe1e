import type { Message } from '@chat/protocol'
import type { Connection } from './connection'
import { textFrame } from './frame'

export interface FeedDeps {
  fetchAfter(room: string, after: number, limit: number): Promise<{ messages: Message[]; more: boolean }>
  onError(err: unknown, what: string): void
  gapFillDelayMs: number
  /**
   * A busy room writes its pushes at most once per this many ms (0: once per turn of the
   * event loop). Pushes then share one write per socket, at the cost of up to this much
   * latency; a room that was quiet for the window still writes at the end of the turn.
   */
  pushWindowMs: number
  /**
   * Only rooms with at least this many members on this node wait for the window: there one
   * message means hundreds of writes, in a small room it would only add latency.
   */
  windowMinMembers: number
  /** Called with the number of pushes written (one per message per socket). */
  onDeliver?(count: number): void
}

const FILL_PAGE = 200

/**
 * One room on one node. Messages may arrive late, twice or not at all (pub/sub is
 * at-most-once); the feed releases them strictly in seq order, fetching any gap from the
 * store, and each connection gets each seq once from its join point on. Every push is
 * encoded and framed once and the same bytes go to every socket.
 */
export class RoomFeed {
  /** Highest seq released in order on this node; -1 until the first member sets it. */
  delivered = -1
  /**
   * Highest seq written to the members: the batch holds (written, delivered]. A member at
   * `written` or past it gets the rest from the next flush; only one behind it is caught
   * up from the store (else every pending batch would send each member to the store).
   */
  private written = -1
  readonly members = new Set<Connection>()
  /** Joins in progress: the feed must outlive them even if every member leaves meanwhile. */
  holds = 0
  /**
   * `room` pushes (settings, owner, admins) seen here: a join that read the room before one
   * arrived sends its connection the new RoomInfo after `joined` (it was not yet attached).
   */
  roomChanges = 0
  private readonly pending = new Map<number, Message>()
  private fillTimer: NodeJS.Timeout | null = null
  /** The highest seq a tail check said the store has (see behind). */
  private tailTarget = -1
  private filling = false
  /** Released in order but not yet written: flushed together at the end of this turn. */
  private batch: Message[] = []
  private flushQueued = false
  private flushTimer: NodeJS.Timeout | null = null
  private lastFlush = 0

  constructor(
    readonly room: string,
    private readonly deps: FeedDeps,
  ) {}

  get empty(): boolean {
    return this.members.size === 0 && this.holds === 0
  }

  /** A message from the local send path, the broker or the store. */
  offer(msg: Message): void {
    if (this.delivered >= 0 && msg.seq <= this.delivered) return
    this.pending.set(msg.seq, msg)
    this.drain()
  }

  /**
   * The store says the room is at `lastSeq`: fetch what this node has not seen. Under load
   * the store is nearly always a little ahead (committed, its publish still on the way), so
   * the read waits for the gap delay and happens only if those seqs are still missing then:
   * else every tail check sent every busy room to the store at once.
   */
  behind(lastSeq: number): void {
    if (this.delivered >= 0 && lastSeq > this.delivered) {
      this.tailTarget = Math.max(this.tailTarget, lastSeq)
      this.armFill()
    }
    // A catch-up that failed (store error) left its connection behind: retry it too.
    for (const conn of this.members) {
      const st = conn.rooms.get(this.room)
      if (st && !st.filling && st.cursor < this.written) void this.catchUp(conn)
    }
  }

  attach(conn: Connection, cursor: number): void {
    const state = conn.rooms.get(this.room)!
    state.cursor = cursor
    state.filling = false
    this.members.add(conn)
    if (this.delivered < 0) {
      this.delivered = this.written = cursor
      for (const seq of this.pending.keys()) if (seq <= cursor) this.pending.delete(seq)
      this.drain()
    } else if (this.written > cursor) {
      void this.catchUp(conn)
    }
  }

  detach(conn: Connection): void {
    this.members.delete(conn)
  }

  close(): void {
    if (this.fillTimer) clearTimeout(this.fillTimer)
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.fillTimer = this.flushTimer = null
    this.pending.clear()
    this.batch = []
  }

  private drain(): void {
    if (this.delivered < 0) return
    let next = this.pending.get(this.delivered + 1)
    while (next) {
      this.pending.delete(next.seq)
      this.delivered = next.seq
      this.batch.push(next)
      next = this.pending.get(this.delivered + 1)
    }
    if (this.batch.length > 0 && !this.flushQueued) {
      // Everything released in this turn of the event loop (a burst of appends committed
      // together, several envelopes in one read from Redis) leaves in one write per socket.
      this.flushQueued = true
      const window = this.members.size >= this.deps.windowMinMembers ? this.deps.pushWindowMs : 0
      const wait = this.lastFlush + window - Date.now()
      if (wait > 0) this.flushTimer = setTimeout(() => this.flush(), wait)
      else setImmediate(() => this.flush())
    }
    // A later seq came first (or a tail check saw one): give its frame a moment, then read the store.
    if (this.pending.size > 0 || this.delivered < this.tailTarget) this.armFill()
  }

  private armFill(): void {
    if (this.fillTimer || this.filling) return
    this.fillTimer = setTimeout(() => {
      this.fillTimer = null
      if (this.pending.size > 0 || this.delivered < this.tailTarget) void this.fill()
    }, this.deps.gapFillDelayMs)
  }

  private async fill(): Promise<void> {
    if (this.filling || this.delivered < 0) return
    this.filling = true
    try {
      for (;;) {
        const page = await this.deps.fetchAfter(this.room, this.delivered, FILL_PAGE)
        for (const m of page.messages) this.offer(m)
        if (!page.more || page.messages.length === 0) break
      }
    } catch (err) {
      this.deps.onError(err, 'gap fill')
    } finally {
      this.filling = false
    }
    this.drain()
  }

  /**
   * Writes the released batch, each push encoded and framed once for all sockets: every
   * socket gets, in one write, the part of the batch it has not had yet.
   */
  flush(): void {
    this.flushQueued = false
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    const msgs = this.batch
    if (msgs.length === 0) return
    this.batch = []
    this.lastFlush = Date.now()
    const texts = msgs.map((msg) => JSON.stringify({ type: 'message', room: this.room, msg }))
    const frames = texts.map(textFrame)
    const all = frames.length === 1 ? frames[0] : Buffer.concat(frames)
    const offsets: number[] = [] // where message i starts in `all`
    let at = 0
    for (const f of frames) {
      offsets.push(at)
      at += f.length
    }
    const first = msgs[0].seq
    const last = msgs[msgs.length - 1].seq
    this.written = last
    let n = 0
    for (const conn of this.members) {
      const st = conn.rooms.get(this.room)
      if (!st || st.filling) continue
      const from = st.cursor + 1
      if (from < first) {
        void this.catchUp(conn)
        continue
      }
      if (from > last) continue
      const i = from - first
      st.cursor = last
      conn.sendFrames(i === 0 ? all : all.subarray(offsets[i]), () => texts.slice(i))
      n += msgs.length - i
    }
    this.deps.onDeliver?.(n)
  }

  /** Brings one connection from its cursor up to what the node has released. */
  private async catchUp(conn: Connection): Promise<void> {
    const st = conn.rooms.get(this.room)
    if (!st || st.filling) return
    st.filling = true
    try {
      while (this.members.has(conn) && st.cursor < this.written) {
        const page = await this.deps.fetchAfter(this.room, st.cursor, FILL_PAGE)
        const from = st.cursor
        for (const m of page.messages) {
          if (m.seq !== st.cursor + 1) break
          st.cursor = m.seq
          conn.sendFrame({ type: 'message', room: this.room, msg: m })
          this.deps.onDeliver?.(1)
        }
        if (st.cursor === from) break
      }
    } catch (err) {
      this.deps.onError(err, 'connection catch-up')
    } finally {
      st.filling = false
    }
  }
}
