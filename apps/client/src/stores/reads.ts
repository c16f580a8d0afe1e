// Read marks per room (from `read` pushes, and a snapshot on each join) and the per-room
// drafts, for the chat page.
import { defineStore } from 'pinia'
import { markRaw, reactive, watch } from 'vue'
import { parseRoomId, type ServerFrame } from '@chat/protocol'
import { Drafts } from '../engine/drafts'
import { READ_GROUP_MAX } from '../engine/read-state'
import { useConnectionStore } from './connection'
import { useDeps } from './deps'
import { useRoomsStore } from './rooms'
import { useSessionStore } from './session'

/** A room opened again within this long of its last snapshot is not asked again. */
const SNAPSHOT_AGAIN_MS = 3000

export const useReadsStore = defineStore('reads', () => {
  const { conn } = useConnectionStore()
  const session = useSessionStore()
  const rooms = useRoomsStore()
  /** room → user id → highest seq read. */
  const marks = reactive<Record<string, Record<string, number>>>({})
  const drafts = markRaw(new Drafts(useDeps().storage))

  function note(room: string, user: string, seq: number): void {
    const m = (marks[room] ??= {})
    if (!(seq <= (m[user] ?? 0))) m[user] = seq
  }

  /** room → when its snapshot was last asked for. */
  const asked = new Map<string, number>()
  const small = (room: string, online: number) => parseRoomId(room)?.kind === 'dm' || online <= READ_GROUP_MAX

  /**
   * The marks raised while this page was away (closed, reloaded, disconnected): pushes only
   * tell what happens while joined. Asked for the room on screen only (a user with fifty
   * private chats must not spend fifty API calls of their budget on every reconnect), when
   * it is a dm or small enough to show read counts at all (its online list is the only size
   * known); a failure just leaves the live marks.
   */
  async function snapshot(room: string): Promise<void> {
    asked.set(room, Date.now())
    try {
      const { reads } = await session.api.reads(room)
      for (const m of reads) note(room, m.user, m.seq)
    } catch {
      // Best effort: the next join or visit asks again.
    }
  }
  conn.on('frame', (f: ServerFrame) => {
    if (f.type === 'read') note(f.room, f.user, f.seq)
    // Every (re)join: marks may have risen while this connection was not in the room.
    else if (f.type === 'joined' && f.room.id === rooms.active && small(f.room.id, f.online.length)) void snapshot(f.room.id)
  })
  // Opening a room joined in the background (the private chats are): its marks as of now.
  watch(
    () => rooms.active,
    (room) => {
      const online = room === null ? undefined : rooms.online[room]
      if (room === null || online === undefined || !small(room, online.length)) return
      if (Date.now() - (asked.get(room) ?? 0) > SNAPSHOT_AGAIN_MS) void snapshot(room)
    },
  )

  return { marks, note, drafts }
})
