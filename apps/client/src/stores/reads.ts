// Read marks per room (from `read` pushes) and the per-room drafts, for the chat page.
import { defineStore } from 'pinia'
import { markRaw, reactive } from 'vue'
import type { ServerFrame } from '@chat/protocol'
import { Drafts } from '../engine/drafts'
import { useConnectionStore } from './connection'
import { useDeps } from './deps'

export const useReadsStore = defineStore('reads', () => {
  const { conn } = useConnectionStore()
  /** room → user id → highest seq read. */
  const marks = reactive<Record<string, Record<string, number>>>({})
  const drafts = markRaw(new Drafts(useDeps().storage))

  function note(room: string, user: string, seq: number): void {
    const m = (marks[room] ??= {})
    if (!(seq <= (m[user] ?? 0))) m[user] = seq
  }

  conn.on('frame', (f: ServerFrame) => {
    if (f.type === 'read') note(f.room, f.user, f.seq)
  })

  return { marks, note, drafts }
})
