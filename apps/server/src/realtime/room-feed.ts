import type { Message } from '@chat/protocol'
import type { Connection } from './connection'

export interface FeedDeps {
  fetchAfter(room: string, after: number, limit: number): Promise<{ messages: Message[]; more: boolean }>
  onError(err: unknown, what: string): void
  gapFillDelayMs: number
  /** Called with the encoded push and the number of sockets it went to. */
  onDeliver?(count: number): void
}

const FILL_PAGE = 200

/**
 * One room on one node. Messages may arrive late, twice or not at all (pub/sub is
 * at-most-once); the feed releases them strictly in seq order, fetching any gap from the
 * store, and each connection gets each seq once from its join point on. Every push is
 * encoded once and the same string goes to every socket.
 */
export class RoomFeed {
  /** Highest seq released in order on this node; -1 until the first member sets it. */
  delivered = -1
  readonly members = new Set<Connection>()
  /** Joins in progress: the feed must outlive them even if every member leaves meanwhile. */
  holds = 0
  private readonly pending = new Map<number, Message>()
  private fillTimer: NodeJS.Timeout | null = null
  private filling = false

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

  /** The store says the room is at `lastSeq`: fetch what this node has not seen. */
  behind(lastSeq: number): void {
    if (this.delivered >= 0 && lastSeq > this.delivered) void this.fill()
    // A catch-up that failed (store error) left its connection behind: retry it too.
    for (const conn of this.members) {
      const st = conn.rooms.get(this.room)
      if (st && !st.filling && st.cursor < this.delivered) void this.catchUp(conn)
    }
  }

  attach(conn: Connection, cursor: number): void {
    const state = conn.rooms.get(this.room)!
    state.cursor = cursor
    state.filling = false
    this.members.add(conn)
    if (this.delivered < 0) {
      this.delivered = cursor
      for (const seq of this.pending.keys()) if (seq <= cursor) this.pending.delete(seq)
      this.drain()
    } else if (this.delivered > cursor) {
      void this.catchUp(conn)
    }
  }

  detach(conn: Connection): void {
    this.members.delete(conn)
  }

  close(): void {
    if (this.fillTimer) clearTimeout(this.fillTimer)
    this.fillTimer = null
    this.pending.clear()
  }

  private drain(): void {
    if (this.delivered < 0) return
    let next = this.pending.get(this.delivered + 1)
    while (next) {
      this.pending.delete(next.seq)
      this.delivered = next.seq
      this.fanOut(next)
      next = this.pending.get(this.delivered + 1)
    }
    if (this.pending.size > 0 && !this.fillTimer && !this.filling) {
      // A later seq came first: give the earlier frame a moment, then read the store.
      this.fillTimer = setTimeout(() => {
        this.fillTimer = null
        void this.fill()
      }, this.deps.gapFillDelayMs)
    }
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

  private fanOut(msg: Message): void {
    const data = JSON.stringify({ type: 'message', room: this.room, msg })
    let n = 0
    for (const conn of this.members) {
      const st = conn.rooms.get(this.room)
      if (!st || st.filling) continue
      if (msg.seq === st.cursor + 1) {
        st.cursor = msg.seq
        conn.send(data)
        n++
      } else if (msg.seq > st.cursor + 1) {
        void this.catchUp(conn)
      }
    }
    this.deps.onDeliver?.(n)
  }

  /** Brings one connection from its cursor up to what the node has released. */
  private async catchUp(conn: Connection): Promise<void> {
    const st = conn.rooms.get(this.room)
    if (!st || st.filling) return
    st.filling = true
    try {
      while (this.members.has(conn) && st.cursor < this.delivered) {
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
