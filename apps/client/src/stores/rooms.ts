// The rooms list (unread badges, last message), each room's title, who is online and who
// is typing. Fed by `/api/rooms` and by the socket's joined/message/presence/typing frames.
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import {
  parseRoomId,
  type Message,
  type Role,
  type RoomAccess,
  type RoomInfo,
  type RoomSummary,
  type ServerFrame,
  type User,
} from '@chat/protocol'
import { mentionsMe } from '../engine/mentions'
import { isHostRole, roleIn } from '../engine/room-roles'
import { useConnectionStore } from './connection'
import { useMessagesStore } from './messages'
import { useSessionStore } from './session'

export const TYPING_SHOW_MS = 4000

export const useRoomsStore = defineStore('rooms', () => {
  const session = useSessionStore()
  const { conn } = useConnectionStore()
  const list = ref<RoomSummary[]>([])
  /** Each room's RoomInfo, from `joined.room`, the `room` push and the create reply. */
  const info = reactive<Record<string, RoomInfo>>({})
  const online = reactive<Record<string, User[]>>({})
  const typing = reactive<Record<string, User[]>>({})
  /** My role in each joined room (`joined.role`); hosts (owner, admins) answer questions. */
  const roles = reactive<Record<string, Role>>({})
  /** Users seen anywhere, so a dm can be titled with the other person's name. */
  const users = reactive<Record<string, User>>({})
  const active = ref<string | null>(null)
  const loading = ref(false)
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>()

  const me = () => session.user?.id ?? ''
  const remember = (u: User | undefined) => {
    if (u?.id) users[u.id] = u
  }

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      const rooms = await session.api.rooms()
      list.value = rooms
      for (const r of rooms) {
        if (info[r.id]) info[r.id].title = r.title
        remember(r.lastMessage?.from)
      }
      // Private chats are few and personal: keep them live so a new one rings at once.
      // Group rooms (possibly busy live rooms) are only subscribed while opened.
      const messages = useMessagesStore()
      for (const r of rooms) if (r.kind === 'dm') void messages.join(r.id)
    } finally {
      loading.value = false
    }
  }

  /** Creates a room I own; without `id` the server picks one. */
  async function create(req: { id?: string; title?: string; access?: RoomAccess }): Promise<RoomInfo> {
    const room = await session.api.createRoom(req)
    setInfo(room)
    return room
  }

  /** A newer RoomInfo: my role follows it (roles change by owner transfer and admin edits). */
  function setInfo(room: RoomInfo): void {
    info[room.id] = room
    if (room.owner !== undefined && Array.isArray(room.admins)) roles[room.id] = roleIn(room, me())
    const r = list.value.find((x) => x.id === room.id)
    if (r) r.title = room.title
  }

  /** Opened (or read elsewhere): no unread count, no [有人@我]. */
  const markSeen = (r: RoomSummary) => {
    r.unread = 0
    r.mentioned = false
  }

  function upsert(id: string, patch: (r: RoomSummary) => void): void {
    let r = list.value.find((x) => x.id === id)
    if (!r) {
      const i = info[id] ?? { id, title: id, kind: id.startsWith('dm:') ? 'dm' : 'group' }
      r = { ...i, lastSeq: 0, unread: 0, lastMessage: null }
      list.value.unshift(r)
    }
    patch(r)
  }

  function onMessage(room: string, msg: Message): void {
    remember(msg.from)
    upsert(room, (r) => {
      if (msg.seq <= r.lastSeq) return
      r.lastSeq = msg.seq
      r.lastMessage = msg
      if (room !== active.value && msg.from.id !== me()) {
        r.unread++
        if (mentionsMe(msg.body, me())) r.mentioned = true
      }
    })
    // Newest activity first, like the server orders it.
    const i = list.value.findIndex((x) => x.id === room)
    if (i > 0) list.value.unshift(...list.value.splice(i, 1))
  }

  function setTyping(room: string, user: User): void {
    if (user.id === me()) return
    const k = `${room}\n${user.id}`
    const cur = typing[room] ?? []
    if (!cur.some((u) => u.id === user.id)) typing[room] = [...cur, user]
    clearTimeout(typingTimers.get(k))
    typingTimers.set(
      k,
      setTimeout(() => {
        typingTimers.delete(k)
        typing[room] = (typing[room] ?? []).filter((u) => u.id !== user.id)
      }, TYPING_SHOW_MS),
    )
  }

  conn.on('frame', (f: ServerFrame) => {
    switch (f.type) {
      case 'joined': {
        setInfo(f.room)
        online[f.room.id] = f.online
        if (f.role) roles[f.room.id] = f.role
        f.online.forEach(remember)
        const last = f.messages[f.messages.length - 1]
        upsert(f.room.id, (r) => {
          r.title = f.room.title
          r.kind = f.room.kind
          if (last && last.seq > r.lastSeq) r.lastMessage = last
          r.lastSeq = Math.max(r.lastSeq, f.lastSeq)
        })
        return
      }
      case 'message':
        // A message also proves its sender is around; typing stops when they send.
        typing[f.room] = (typing[f.room] ?? []).filter((u) => u.id !== f.msg.from.id)
        return onMessage(f.room, f.msg)
      case 'presence': {
        remember(f.user)
        const cur = (online[f.room] ?? []).filter((u) => u.id !== f.user.id)
        online[f.room] = f.status === 'online' ? [...cur, f.user] : cur
        return
      }
      case 'typing':
        return setTyping(f.room, f.user)
      case 'room':
        return setInfo(f.info)
      case 'recalled': {
        const r = list.value.find((x) => x.id === f.room)
        if (r?.lastMessage?.seq === f.seq) r.lastMessage = { ...r.lastMessage, recalled: true, body: {} }
        return
      }
      case 'read':
        if (f.user === me()) upsert(f.room, markSeen)
        return
      case 'kicked':
        list.value = list.value.filter((x) => x.id !== f.room)
        delete online[f.room]
        return
    }
  })

  /** The room on screen: its messages are read as they come. */
  function setActive(room: string | null): void {
    active.value = room
    if (room) upsert(room, markSeen)
  }

  /** Whether I may answer questions here; unknown (a server without `role`) lets the server decide. */
  function isHost(room: string): boolean {
    const role = roles[room]
    return role === undefined || isHostRole(role)
  }

  /** A dm is titled with the other person's name; groups with their title. */
  function titleOf(room: string): string {
    const ref = parseRoomId(room)
    if (ref?.kind === 'dm') {
      const other = ref.users[0] === me() ? ref.users[1] : ref.users[0]
      return users[other]?.name ?? other
    }
    return info[room]?.title ?? list.value.find((x) => x.id === room)?.title ?? room
  }

  return { list, info, online, typing, roles, users, active, loading, refresh, create, setInfo, setActive, titleOf, isHost }
})
