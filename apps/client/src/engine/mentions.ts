// @-mentions in the input (protocol v1.1 §D). The text keeps what the user sees ("@小李 ");
// the body's `mentions` carries the ids of the members picked from the picker whose "@name"
// is still in the text when it is sent (deleting the name drops the mention).
import { Limits, type Message, type User } from '@chat/protocol'

/**
 * The name being typed after an "@" at the end of the text, or null when the text does not
 * end in one ("@" opens the picker; "@小" searches it). A mention ends at whitespace.
 */
export function mentionQuery(text: string): string | null {
  const at = text.lastIndexOf('@')
  if (at < 0) return null
  const q = text.slice(at + 1)
  return /\s/.test(q) || q.length > 32 ? null : q
}

/** The text with its trailing "@query" replaced by "@name " (or "@name " appended). */
export function insertMention(text: string, user: Pick<User, 'name'>): string {
  const q = mentionQuery(text)
  const head = q === null ? text : text.slice(0, text.length - q.length - 1)
  return `${head}@${user.name} `
}

/** Ids of the picked users still named in the text, in pick order, at most the limit. */
export function mentionIds(text: string, picked: readonly User[], me = ''): string[] {
  const out: string[] = []
  for (const u of picked) {
    if (u.id === me || out.includes(u.id) || !text.includes(`@${u.name}`)) continue
    out.push(u.id)
    if (out.length === Limits.mentionsMax) break
  }
  return out
}

/**
 * Who can be mentioned: the people online in the room, then the senders of the loaded
 * messages, newest first (there is no members endpoint), without me, filtered by name.
 */
export function mentionCandidates(online: readonly User[], messages: readonly Message[], me: string, query = '', max = 50): User[] {
  const seen = new Map<string, User>()
  const add = (u: User | undefined) => {
    if (u?.id && u.id !== me && !seen.has(u.id)) seen.set(u.id, u)
  }
  online.forEach(add)
  for (let i = messages.length - 1; i >= 0; i--) add(messages[i].from)
  const q = query.trim().toLowerCase()
  const all = [...seen.values()]
  return (q ? all.filter((u) => u.name.toLowerCase().includes(q)) : all).slice(0, max)
}

/** Whether a message mentions `me` (its body's `mentions`). */
export function mentionsMe(body: unknown, me: string): boolean {
  const m = (body as { mentions?: unknown } | null)?.mentions
  return !!me && Array.isArray(m) && m.includes(me)
}
