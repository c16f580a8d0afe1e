// An in-memory stand-in for the chat server, speaking the contract over fake sockets.
// Enough of it to drive the engine and stores in Node deterministically: per-room seq,
// dedupe by sender+cid, resume, history, recall, presence. Knobs let tests break the link.
import type { ClientFrame, Message, MessageBody, MessageKind, ServerFrame, User } from '@chat/protocol'
import type { SocketFactory, SocketLike } from '../../src/engine/types'

export const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve()
}

export class FakeSocket implements SocketLike {
  sent: ClientFrame[] = []
  closed = false
  user: User | null = null
  rooms = new Set<string>()
  private h: { open?: () => void; message?: (d: string) => void; close?: (c: number, r: string) => void; error?: (e: unknown) => void } = {}
  constructor(readonly server: FakeServer, readonly url: string) {}
  onOpen(cb: () => void) { this.h.open = cb }
  onMessage(cb: (d: string) => void) { this.h.message = cb }
  onClose(cb: (c: number, r: string) => void) { this.h.close = cb }
  onError(cb: (e: unknown) => void) { this.h.error = cb }
  send(data: string) {
    if (this.closed) throw new Error('socket closed')
    const f = JSON.parse(data) as ClientFrame
    this.sent.push(f)
    if (!this.server.silent) void Promise.resolve().then(() => this.server.handle(this, f))
  }
  close() {
    if (this.closed) return
    this.closed = true
    this.server.drop(this)
  }
  // server side
  open() { this.h.open?.() }
  push(f: ServerFrame | Record<string, unknown>) { if (!this.closed) this.h.message?.(JSON.stringify(f)) }
  /** The server (or the network) closes the socket. */
  kill(code = 1006, reason = '') {
    if (this.closed) return
    this.closed = true
    this.server.drop(this)
    this.h.close?.(code, reason)
  }
  fail() { this.h.error?.(new Error('refused')); this.kill(1006) }
}

interface Room { messages: Message[]; cids: Map<string, Message> }

export class FakeServer {
  sockets: FakeSocket[] = []
  rooms = new Map<string, Room>()
  users = new Map<string, User>()
  /** Refuse new connections (network down). */
  down = false
  /** Accept frames but never answer (a dead link that still looks open). */
  silent = false
  /** Store sends but swallow their acks. */
  dropAcks = false
  /** Don't push messages to other connections (lost pub/sub), for gap tests. */
  dropPushes = false
  sendCount = 0
  /** Users whose sends are refused with `muted`. */
  muted = new Set<string>()

  factory: SocketFactory = (url) => {
    const s = new FakeSocket(this, url)
    this.sockets.push(s)
    void Promise.resolve().then(() => (this.down ? s.fail() : s.open()))
    return s
  }

  get last(): FakeSocket {
    return this.sockets[this.sockets.length - 1]
  }

  get live(): FakeSocket[] {
    return this.sockets.filter((s) => !s.closed)
  }

  addUser(token: string, user: User) { this.users.set(token, user) }

  room(id: string): Room {
    let r = this.rooms.get(id)
    if (!r) this.rooms.set(id, (r = { messages: [], cids: new Map() }))
    return r
  }

  /** Stores a message (as another user, say) and pushes it to the room's sockets. */
  store(roomId: string, from: User, kind: MessageKind, body: MessageBody, cid = 'c' + Math.random().toString(36).slice(2, 12)): Message {
    const r = this.room(roomId)
    const msg: Message = { room: roomId, seq: r.messages.length + 1, cid, from, kind, body, ts: Date.now() }
    r.messages.push(msg)
    r.cids.set(`${from.id}\n${cid}`, msg)
    return msg
  }

  inject(roomId: string, from: User, text: string, opts: { push?: boolean } = {}): Message {
    const msg = this.store(roomId, from, 'text', { text })
    if (opts.push !== false) for (const s of this.live) if (s.rooms.has(roomId)) s.push({ type: 'message', room: roomId, msg })
    return msg
  }

  drop(s: FakeSocket) { s.rooms.clear() }

  handle(s: FakeSocket, f: ClientFrame) {
    if (s.closed) return
    const id = f.id === undefined ? {} : { id: f.id }
    if (f.type === 'hello') {
      const u = this.users.get(f.token)
      if (!u) return s.kill(4001, 'bad token')
      s.user = u
      s.push({ type: 'welcome', ...id, user: u, node: 'fake', heartbeat: 25000 })
      for (const [room, after] of Object.entries(f.resume ?? {})) this.join(s, room, after, {})
      return
    }
    if (!s.user) return s.kill(4001, 'no hello')
    const needJoined = (room: string) => {
      if (s.rooms.has(room)) return true
      s.push({ type: 'error', ...id, code: 'not_joined', message: 'join first' })
      return false
    }
    switch (f.type) {
      case 'join': return this.join(s, f.room, f.after, id)
      case 'leave': s.rooms.delete(f.room); return s.push({ type: 'left', ...id, room: f.room })
      case 'ping': return s.push({ type: 'pong', ...id, ts: Date.now() })
      case 'send': {
        if (!needJoined(f.room)) return
        this.sendCount++
        if (this.muted.has(s.user.id)) return s.push({ type: 'error', ...id, code: 'muted', message: 'muted' })
        const r = this.room(f.room)
        let msg = r.cids.get(`${s.user.id}\n${f.cid}`)
        const fresh = !msg
        if (!msg) msg = this.store(f.room, s.user, f.kind, f.body, f.cid)
        if (!this.dropAcks) s.push({ type: 'ack', ...id, room: f.room, cid: f.cid, seq: msg.seq, ts: msg.ts })
        if (fresh && !this.dropPushes) for (const o of this.live) if (o.rooms.has(f.room)) o.push({ type: 'message', room: f.room, msg })
        return
      }
      case 'history': {
        if (!needJoined(f.room)) return
        const all = this.room(f.room).messages
        const limit = f.limit ?? 30
        let page: Message[]
        let more: boolean
        if (f.after !== undefined) {
          const rest = all.filter((m) => m.seq > f.after!)
          page = rest.slice(0, limit)
          more = rest.length > limit
        } else {
          const rest = all.filter((m) => f.before === undefined || m.seq < f.before)
          page = rest.slice(-limit)
          more = rest.length > limit
        }
        return s.push({ type: 'history', ...id, room: f.room, messages: page, more })
      }
      case 'recall': {
        if (!needJoined(f.room)) return
        const m = this.room(f.room).messages[f.seq - 1]
        if (!m) return s.push({ type: 'error', ...id, code: 'not_found', message: 'no such message' })
        m.recalled = true
        m.body = {}
        for (const o of this.live) if (o.rooms.has(f.room)) o.push({ type: 'recalled', ...(o === s ? id : {}), room: f.room, seq: f.seq, by: s.user.id })
        return
      }
      case 'typing':
      case 'read':
        return
    }
  }

  private join(s: FakeSocket, room: string, after: number | undefined, id: object) {
    s.rooms.add(room)
    const all = this.room(room).messages
    const page = after === undefined ? all.slice(-30) : all.filter((m) => m.seq > after).slice(0, 200)
    const more = after === undefined ? all.length > 30 : all.filter((m) => m.seq > after).length > 200
    s.push({ type: 'joined', ...id, room: { id: room, title: room, kind: room.startsWith('dm:') ? 'dm' : 'group' }, lastSeq: all.length, online: [s.user!], messages: page, more })
  }
}
