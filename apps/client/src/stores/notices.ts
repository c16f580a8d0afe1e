// Asking for WeChat's offline notices (v1.1 §E) at the moments a user expects them: after
// asking a question (the answer), when opening a private chat, and once per room for
// @-mentions. Never twice for one moment, never in a loop, and a "no" is remembered.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ClientConfig } from '../engine/api'
import { useDeps } from './deps'
import { useSessionStore } from './session'

export type NoticeKind = 'answer' | 'dm' | 'mention'

const STORAGE_KEY = 'chat.notices'

interface Saved {
  /** Kinds the user said no to (or turned off in WeChat's settings). */
  refused: NoticeKind[]
  /** Rooms already asked about @-mentions. */
  mentionRooms: string[]
}

/** WeChat's "the user turned subscribe messages off for this mini-program". */
const SWITCHED_OFF = 20004
const MENTION_ROOMS_KEPT = 200

export const useNoticesStore = defineStore('notices', () => {
  const deps = useDeps()
  const session = useSessionStore()
  const templates = ref<ClientConfig['wechat']['templates'] | null>(null)
  /** dm rooms asked about in this run of the app. */
  const dmAsked = new Set<string>()
  let asking = false
  let loading: Promise<void> | null = null

  function saved(): Saved {
    try {
      const s = JSON.parse(deps.storage.get(STORAGE_KEY) ?? '{}') as Partial<Saved>
      return { refused: Array.isArray(s.refused) ? s.refused : [], mentionRooms: Array.isArray(s.mentionRooms) ? s.mentionRooms : [] }
    } catch {
      return { refused: [], mentionRooms: [] }
    }
  }
  const save = (s: Saved) => deps.storage.set(STORAGE_KEY, JSON.stringify(s))

  /**
   * Fetches the template ids once. WeChat only lets a tap ask, so they must be known before
   * the tap that asks; nothing is fetched where there is no asking (H5).
   */
  function load(): Promise<void> {
    if (!deps.subscribe || templates.value) return Promise.resolve()
    loading ??= session.api.config().then(
      (c) => void (templates.value = c?.wechat?.templates ?? {}),
      () => void (loading = null), // offline: try again next time
    )
    return loading
  }

  /**
   * Asks for the notices of these kinds in `room`, within the caller's tap. Returns the
   * template ids asked for ([] when nothing was asked).
   */
  function ask(kinds: NoticeKind[], room: string): string[] {
    const subscribe = deps.subscribe
    if (!subscribe) return []
    if (!templates.value) {
      void load()
      return []
    }
    if (asking) return []
    const s = saved()
    const wanted = kinds.filter((k) => {
      if (!templates.value?.[k] || s.refused.includes(k)) return false
      if (k === 'mention') return !s.mentionRooms.includes(room)
      if (k === 'dm') return !dmAsked.has(room)
      return true
    })
    if (!wanted.length) return []
    const ids = wanted.map((k) => templates.value![k]!)
    if (wanted.includes('mention')) s.mentionRooms = [...s.mentionRooms, room].slice(-MENTION_ROOMS_KEPT)
    if (wanted.includes('dm')) dmAsked.add(room)
    save(s)
    asking = true
    subscribe(ids).then(
      (res) => {
        asking = false
        const now = saved()
        for (const k of wanted)
          if (['reject', 'ban'].includes(res[templates.value?.[k] ?? ''] ?? '') && !now.refused.includes(k)) now.refused.push(k)
        save(now)
      },
      (e: { errCode?: number }) => {
        asking = false
        if (e?.errCode !== SWITCHED_OFF) return
        const now = saved()
        now.refused = ['answer', 'dm', 'mention']
        save(now)
      },
    )
    return ids
  }

  return { templates, load, ask }
})
