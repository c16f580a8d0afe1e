// Read marks per room (from `read` pushes, and a snapshot on each join) and the per-room
// drafts, for the chat page.
import { defineStore } from 'pinia'
import { markRaw, reactive } from 'vue'
import { parseRoomId, type ServerFrame } from '@chat/protocol'
import { Drafts } from '../engine/drafts'
import { READ_GROUP_MAX } from '../engine/read-state'
import { useConnectionStore } from './connection'
import { useDeps } from './deps'
import { useSessionStore } from './session'

export const useReadsStore = defineStore('reads', () => {
  const { conn } = useConnectionStore()
  const session = useSessionStore()
  /** room → user id → highest seq read. */
  const marks = reactive<Record<string, Record<string, number>>>({})
  const drafts = markRaw(new Drafts(useDeps().storage))

  function note(room: string, user: string, seq: number): void {
    const m = (marks[room] ??= {})
    if (!(seq <= (m[user] ?? 0))) m[user] = seq
  }

  /**
   * The marks raised while this page was away (closed, reloaded, disconnected): pushes only
   * tell what happens while joined. Asked on every join of a dm or a room small enough to
   * show read counts at all (its online list is the only size known then); a failure just
   * leaves the live marks.
   */
  async function snapshot(room: string): Promise<void> {
    try {
      const { reads } = await session.api.reads(room)
      for (const m of reads) note(room, m.user, m.seq)
    } catch {
      // Best effort: the next join asks again.
    }
  }

  conn.on('frame', (f: ServerFrame) => {
    if (f.type === 'read') note(f.room, f.user, f.seq)
    else if (f.type === 'joined' && (parseRoomId(f.room.id)?.kind === 'dm' || f.online.length <= READ_GROUP_MAX)) {
      void snapshot(f.room.id)
    }
  })

  return { marks, note, drafts }
})
