// An in-memory stand-in for the chat server, speaking the contract over fake sockets.
// Enough of it to drive the engine and stores in Node deterministically: per-room seq,
// dedupe by sender+cid, resume, history, recall, presence. Knobs let tests break the link.
import type { ClientFrame, Message, MessageBody, MessageKind, RoomInfo, ServerFrame, User } from '@chat/protocol'
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
  constructor(
    readonly server: FakeServer,
    readonly url: string,
  ) {}
  onOpen(cb: () => void) {
    this.h.open = cb
  }
  onMessage(cb: (d: string) => void) {
    this.h.message = cb
  }
  onClose(cb: (c: number, r: string) => void) {
    this.h.close = cb
  }
  onError(cb: (e: unknown) => void) {
    this.h.error = cb
  }
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
  open() {
    this.h.open?.()
  }
  push(f: ServerFrame | Record<string, unknown>) {
    if (!this.closed) this.h.message?.(JSON.stringify(f))
  }
  /** The server (or the network) closes the socket. */
  kill(code = 1006, reason = '') {
    if (this.closed) return
    this.closed = true
    this.server.drop(this)
    this.h.close?.(code, reason)
  }
  fail() {
    this.h.error?.(new Error('refused'))
    this.kill(1006)
  }
}

interface Room {
  messages: Message[]
  cids: Map<string, Message>
  info: RoomInfo
  members: Set<string>
  invite: string
}

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
  /** user → end of their mute (ms), sent as `joined.mutedUntil` and named in refusals. */
  mutedUntil = new Map<string, number>()

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

  addUser(token: string, user: User) {
    this.users.set(token, user)
  }

  room(id: string): Room {
    let r = this.rooms.get(id)
    if (!r) {
      const info: RoomInfo = {
        id,
        title: id,
        kind: id.startsWith('dm:') ? 'dm' : 'group',
        owner: null,
        admins: [],
        access: 'open',
        mutedAll: false,
        announcement: null,
        stats: { likes: 0, flowers: 0 },
      }
      this.rooms.set(id, (r = { messages: [], cids: new Map(), info, members: new Set(), invite: 'invite-' + id }))
    }
    return r
  }

  /** Changes a room's settings and sends the `room` push, as the server does after a PATCH. */
  setInfo(roomId: string, patch: Partial<RoomInfo>): RoomInfo {
    const r = this.room(roomId)
    r.info = { ...r.info, ...patch }
    for (const s of this.live) if (s.rooms.has(roomId)) s.push({ type: 'room', room: roomId, info: r.info })
    return r.info
  }

  private roleOf(r: Room, user: string) {
    return r.info.owner === user ? 'owner' : r.info.admins.includes(user) ? 'admin' : 'member'
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

  drop(s: FakeSocket) {
    s.rooms.clear()
  }

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
      case 'join': {
        const r = this.room(f.room)
        if (r.info.access === 'invite' && !r.members.has(s.user.id) && f.invite !== r.invite) {
          return s.push({ type: 'error', ...id, code: 'forbidden', message: 'this room needs an invite' })
        }
        return this.join(s, f.room, f.after, id, f.invite)
      }
      case 'leave':
        s.rooms.delete(f.room)
        return s.push({ type: 'left', ...id, room: f.room })
      case 'ping':
        return s.push({ type: 'pong', ...id, ts: Date.now() })
      case 'send': {
        if (!needJoined(f.room)) return
        this.sendCount++
        const r = this.room(f.room)
        const until = this.mutedUntil.get(s.user.id) ?? 0
        if (until > Date.now())
          return s.push({ type: 'error', ...id, code: 'muted', message: `muted in this room until ${new Date(until).toISOString()}` })
        if (this.muted.has(s.user.id)) return s.push({ type: 'error', ...id, code: 'muted', message: 'muted' })
        if (r.info.mutedAll && this.roleOf(r, s.user.id) === 'member')
          return s.push({ type: 'error', ...id, code: 'muted', message: 'the room is muted' })
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
        for (const o of this.live)
          if (o.rooms.has(f.room)) o.push({ type: 'recalled', ...(o === s ? id : {}), room: f.room, seq: f.seq, by: s.user.id })
        return
      }
      case 'typing':
      case 'read':
        return
    }
  }

  /** Every join frame the server saw with its invite code, for assertions. */
  joins: Array<{ room: string; invite?: string }> = []

  private join(s: FakeSocket, room: string, after: number | undefined, id: object, invite?: string) {
    s.rooms.add(room)
    const r = this.room(room)
    r.members.add(s.user!.id)
    this.joins.push({ room, ...(invite ? { invite } : {}) })
    const all = r.messages
    const page = after === undefined ? all.slice(-30) : all.filter((m) => m.seq > after).slice(0, 200)
    const more = after === undefined ? all.length > 30 : all.filter((m) => m.seq > after).length > 200
    const until = this.mutedUntil.get(s.user!.id) ?? 0
    s.push({
      type: 'joined',
      ...id,
      room: r.info,
      role: this.roleOf(r, s.user!.id),
      mutedUntil: until > Date.now() ? until : null,
      lastSeq: all.length,
      online: [s.user!],
      messages: page,
      more,
    })
  }
}
