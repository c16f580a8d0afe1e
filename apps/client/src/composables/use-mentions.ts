// The chat page's @-mentions: typing "@" opens the member picker, picking writes "@name "
// into the draft, and the sent text or question carries the picked ids still named in it.
import { computed, ref, watch, type Ref } from 'vue'
import type { User } from '@chat/protocol'
import { insertMention, mentionCandidates, mentionIds } from '../engine/mentions'
import { useMessagesStore } from '../stores/messages'
import { useRoomsStore } from '../stores/rooms'

export function useMentions(room: Ref<string>, draft: Ref<string>, me: Ref<string>) {
  const rooms = useRoomsStore()
  const messages = useMessagesStore()
  const open = ref(false)
  const query = ref('')
  const picked = ref<User[]>([])

  const candidates = computed(() => {
    if (!open.value) return []
    void messages.versions[room.value] // the timeline is not reactive: its version is
    const tl = messages.timeline(room.value)
    return mentionCandidates(rooms.online[room.value] ?? [], tl?.messages ?? [], me.value, query.value)
  })

  // An "@" just typed at the end opens the picker (not one already there, nor a deletion).
  watch(draft, (now, before = '') => {
    if (now.endsWith('@') && now.length > before.length && !before.endsWith('@')) {
      query.value = ''
      open.value = true
    }
  })

  function pick(u: User): void {
    draft.value = insertMention(draft.value, u)
    if (!picked.value.some((p) => p.id === u.id)) picked.value = [...picked.value, u]
    close()
  }

  function close(): void {
    open.value = false
    query.value = ''
  }

  /** The `mentions` for a body with this text (spread into it: absent when none). */
  function bodyMentions(text: string): { mentions?: string[] } {
    const ids = mentionIds(text, picked.value, me.value)
    return ids.length ? { mentions: ids } : {}
  }

  /** After a send, or leaving the room. */
  function reset(): void {
    picked.value = []
    close()
  }

  return { open, query, candidates, pick, close, bodyMentions, reset }
}
