/**
 * A chat client that behaves like the real one across failures, and checks the server's
 * delivery guarantees as it goes. It reconnects (to whichever node `urls()` names next) with
 * `resume` = the last seq it holds in order, re-sends unacked messages with their cid, and
 * repairs with `history after` when a join says `more`.
 *
 * What it records as a violation (a server bug, never a client choice):
 *  - a live push on a connection that is not exactly the previous one + 1, starting after
 *    the `joined` frame's lastSeq;
 *  - a `joined` page that is not consecutive from the join point;
 *  - the same seq twice on one connection, or a seq at or below the resume point it asked for.
 * A seq re-received above the resume point (the client asked again for what it held out of
 * order) is deduped like a real client does, and counted in `redelivered`.
 */
import { expect } from 'vitest'
import WebSocket from 'ws'
import type { Frame } from './client'

export interface Outgoing {
  room: string
  cid: string
  text: string
  seq?: number
  /** Codes of error replies seen for this send (e.g. unavailable before a retry). */
  errors: string[]
}

interface ConnRoom {
  /** The join point: seqs at or below it were held before this connection. */
  after: number
  /** Last live push (starts at joined.lastSeq). */
  live: number
  joined: boolean
  seen: Set<number>
}

let counter = 0
const newCid = () => `m${Date.now().toString(36)}${(++counter).toString(36)}${Math.random().toString(36).slice(2, 8)}`.slice(0, 40)

export class ChatMember {
  /** seq → message, the app's (deduped) view, per room. */
  readonly got = new Map<string, Map<number, Frame>>()
  readonly violations: string[] = []
  readonly outbox = new Map<string, Outgoing>()
  readonly frames: Frame[] = []
  redelivered = 0
  /** Close codes of every connection this member had (reconnects included). */
  readonly closes: number[] = []
  connections = 0
  node = ''
  private ws: WebSocket | null = null
  private rooms = new Set<string>()
  private conn = new Map<string, ConnRoom>()
  private stopped = false
  private connecting: Promise<void> | null = null
  private urlIndex = 0
  private retryTimer: NodeJS.Timeout | null = null

  constructor(
    readonly name: string,
    readonly token: string,
    readonly userId: string,
    /** The ws URLs to try, in order (read at every reconnect: the live nodes). */
    private readonly urls: () => string[],
    private readonly opts: { autoReconnect?: boolean; retryErrors?: string[] } = {},
  ) {}

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.node !== ''
  }

  /** Connects and joins `rooms` (from seq 0, so every message counts). */
  async start(rooms: string[], urlIndex = 0): Promise<void> {
    for (const r of rooms) this.rooms.add(r)
    this.urlIndex = urlIndex
    await this.connect()
    await this.waitJoined(rooms)
  }

  /** The highest seq such that 1..seq are all held. */
  held(room: string): number {
    const m = this.got.get(room)
    let s = 0
    while (m?.has(s + 1)) s++
    return s
  }

  seqs(room: string): number[] {
    return [...(this.got.get(room)?.keys() ?? [])].sort((a, b) => a - b)
  }

  send(room: string, text: string): Outgoing {
    const o: Outgoing = { room, cid: newCid(), text, errors: [] }
    this.outbox.set(o.cid, o)
    this.transmit(o)
    return o
  }

  unacked(): Outgoing[] {
    return [...this.outbox.values()].filter((o) => o.seq === undefined)
  }

  /** Ends the connection without reconnecting. */
  close(): void {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.ws?.close()
  }

  /** Drops the socket abruptly (as a lost network would); reconnects if auto. */
  drop(): void {
    this.ws?.terminate()
  }

  async waitJoined(rooms: string[], ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!rooms.every((r) => this.conn.get(r)?.joined)) {
      if (Date.now() > deadline) throw new Error(`${this.name}: not joined ${rooms.join(',')} within ${ms} ms`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  private transmit(o: Outgoing): void {
    if (!this.connected || !this.conn.get(o.room)?.joined) return // sent on (re)join
    this.ws!.send(JSON.stringify({ type: 'send', id: `s:${o.cid}`, room: o.room, cid: o.cid, kind: 'text', body: { text: o.text } }))
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = null
    })
    return this.connecting
  }

  private async doConnect(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return
      const list = this.urls()
      const url = list[this.urlIndex++ % list.length]
      try {
        await this.open(url)
        return
      } catch {
        if (!this.opts.autoReconnect && attempt >= 2) throw new Error(`${this.name}: cannot connect to ${url}`)
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
      }
    }
  }

  private open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      this.conn = new Map()
      this.node = ''
      let welcomed = false
      ws.on('error', () => {})
      ws.once('open', () => {
        this.ws = ws
        this.connections++
        // Resume every room from what is held in order; rooms never joined start from 0.
        const resume: Record<string, number> = {}
        for (const r of this.rooms) {
          resume[r] = this.held(r)
          this.conn.set(r, { after: resume[r], live: -1, joined: false, seen: new Set() })
        }
        ws.send(JSON.stringify({ type: 'hello', id: 'hello', token: this.token, resume }))
      })
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as Frame
        this.frames.push(f)
        if (f.type === 'welcome') {
          welcomed = true
          this.node = f.node
          resolve()
        }
        this.onFrame(ws, f)
      })
      ws.once('close', (code) => {
        this.closes.push(code)
        if (this.ws === ws) {
          this.ws = null
          this.node = ''
        }
        if (!welcomed) return reject(new Error(`closed ${code} before welcome`))
        if (this.opts.autoReconnect && !this.stopped) {
          this.retryTimer = setTimeout(() => void this.connect().catch(() => {}), 50 + Math.random() * 150)
        }
      })
    })
  }

  private onFrame(ws: WebSocket, f: Frame): void {
    switch (f.type) {
      case 'joined':
        return this.onJoined(ws, f)
      case 'message':
        return this.onPush(f)
      case 'history':
        return this.onHistory(ws, f)
      case 'ack': {
        const o = this.outbox.get(f.cid)
        if (!o) return
        if (o.seq !== undefined && o.seq !== f.seq) this.violations.push(`${this.name}: cid ${f.cid} acked as ${o.seq} and ${f.seq}`)
        o.seq = f.seq
        return
      }
      case 'error': {
        const id = typeof f.id === 'string' ? f.id : ''
        if (id.startsWith('s:')) {
          const o = this.outbox.get(id.slice(2))
          if (!o) return
          o.errors.push(f.code)
          // A real client retries these later with the same cid.
          if ((this.opts.retryErrors ?? ['unavailable', 'rate_limited', 'internal']).includes(f.code)) {
            setTimeout(() => this.transmit(o), 200).unref()
          }
        }
        return
      }
    }
  }

  private onJoined(ws: WebSocket, f: Frame): void {
    const room = f.room.id as string
    const st = this.conn.get(room)
    if (!st) return
    let expect = st.after + 1
    for (const m of f.messages as Frame[]) {
      if (m.seq !== expect)
        this.violations.push(`${this.name}@${this.node}: joined ${room} after ${st.after}: got ${m.seq}, expected ${expect}`)
      expect = m.seq + 1
      this.record(st, room, m)
    }
    st.live = f.lastSeq
    st.joined = true
    const paged = (f.messages as Frame[]).at(-1)?.seq ?? st.after
    if (f.more && paged < f.lastSeq) this.page(ws, room, paged, f.lastSeq)
    // What was sent before this connection and not acked goes again, same cid.
    for (const o of this.outbox.values()) if (o.room === room && o.seq === undefined) this.transmit(o)
  }

  private page(ws: WebSocket, room: string, after: number, upTo: number): void {
    ws.send(JSON.stringify({ type: 'history', id: `h:${room}:${upTo}`, room, after, limit: 100 }))
  }

  private onHistory(ws: WebSocket, f: Frame): void {
    const m = /^h:(.*):(\d+)$/.exec(String(f.id ?? ''))
    if (!m) return
    const room = m[1]
    const upTo = Number(m[2])
    const st = this.conn.get(room)
    if (!st) return
    let last = 0
    for (const msg of f.messages as Frame[]) {
      if (msg.seq > upTo) break // the live pushes carry the rest
      this.record(st, room, msg)
      last = msg.seq
    }
    if (last > 0 && last < upTo) this.page(ws, room, last, upTo)
  }

  private onPush(f: Frame): void {
    const room = f.room as string
    const st = this.conn.get(room)
    if (!st) return
    const seq = f.msg.seq as number
    if (!st.joined) this.violations.push(`${this.name}@${this.node}: push ${room}#${seq} before joined`)
    else if (seq !== st.live + 1) this.violations.push(`${this.name}@${this.node}: push ${room}#${seq} after #${st.live}`)
    st.live = seq
    this.record(st, room, f.msg)
  }

  private record(st: ConnRoom, room: string, m: Frame): void {
    if (st.seen.has(m.seq)) this.violations.push(`${this.name}@${this.node}: ${room}#${m.seq} twice on one connection`)
    else if (m.seq <= st.after) this.violations.push(`${this.name}@${this.node}: ${room}#${m.seq} at or below its resume point ${st.after}`)
    st.seen.add(m.seq)
    let map = this.got.get(room)
    if (!map) this.got.set(room, (map = new Map()))
    const had = map.get(m.seq)
    if (had) {
      this.redelivered++
      if (had.cid !== m.cid) this.violations.push(`${this.name}: ${room}#${m.seq} is ${had.cid} and ${m.cid}`)
      return
    }
    map.set(m.seq, m)
  }
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

/**
 * The no-loss promise, checked at the end of a run: the acked seqs are exactly 1..total,
 * and every member holds each of them once, in order, as the message its sender acked.
 */
export function expectExactlyOnce(members: ChatMember[], room: string, total: number): void {
  const bySeq = new Map<number, string>()
  for (const m of members) for (const o of m.outbox.values()) bySeq.set(o.seq!, o.cid)
  expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(range(total))
  for (const m of members) {
    expect(m.violations).toEqual([])
    expect(m.seqs(room)).toEqual(range(total))
    for (const [seq, msg] of m.got.get(room)!) expect(msg.cid).toBe(bySeq.get(seq))
  }
}
