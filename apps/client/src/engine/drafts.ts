// What was typed in each room and not sent, kept when leaving the room (and across app
// restarts, in storage) so coming back finds it in the box.
import type { KeyValueStorage } from './types'

export const DRAFTS_KEY = 'chat.drafts'
/** Rooms remembered at most; the least recently left are forgotten first. */
export const DRAFTS_MAX_ROOMS = 30
/** Longest draft kept (the send limit is 4000 code points). */
export const DRAFT_MAX_CHARS = 4000

export class Drafts {
  private map: Map<string, string>

  constructor(private storage: KeyValueStorage) {
    this.map = new Map(Drafts.parse(storage.get(DRAFTS_KEY)))
  }

  private static parse(raw: string | null): Array<[string, string]> {
    try {
      const o = raw ? JSON.parse(raw) : null
      return Array.isArray(o) ? o.filter((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') : []
    } catch {
      return []
    }
  }

  get(room: string): string {
    return this.map.get(room) ?? ''
  }

  /** Keeps (or, when blank, forgets) the draft of `room` and saves. */
  keep(room: string, text: string): void {
    const had = this.map.has(room)
    this.map.delete(room)
    if (text.trim()) {
      this.map.set(room, Array.from(text).slice(0, DRAFT_MAX_CHARS).join(''))
      while (this.map.size > DRAFTS_MAX_ROOMS) this.map.delete(this.map.keys().next().value as string)
    } else if (!had) {
      return
    }
    this.storage.set(DRAFTS_KEY, JSON.stringify([...this.map]))
  }

  /** Another user logs in on this device: nothing of the last one's typing stays. */
  clear(): void {
    this.map.clear()
    this.storage.remove(DRAFTS_KEY)
  }
}
