import { CID_PATTERN, GROUP_ROOM_PATTERN, USER_ID_PATTERN } from './limits'

/** Length in Unicode code points, the unit every "characters" limit of the contract uses. */
export function codePoints(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

export function isCid(v: unknown): v is string {
  return typeof v === 'string' && CID_PATTERN.test(v)
}

export type RoomRef = { kind: 'group'; id: string } | { kind: 'dm'; id: string; users: [string, string] }

/**
 * Classifies a room id. `null` means malformed (`bad_request`). A dm id must name two
 * different users in sorted order, so each pair of users has exactly one spelling.
 */
export function parseRoomId(id: unknown): RoomRef | null {
  if (typeof id !== 'string') return null
  if (GROUP_ROOM_PATTERN.test(id)) return { kind: 'group', id }
  if (!id.startsWith('dm:')) return null
  const parts = id.slice(3).split(':')
  if (parts.length !== 2) return null
  const [a, b] = parts
  if (!USER_ID_PATTERN.test(a) || !USER_ID_PATTERN.test(b)) return null
  if (!(a < b)) return null
  return { kind: 'dm', id, users: [a, b] }
}

export function dmRoomId(userA: string, userB: string): string {
  return userA < userB ? `dm:${userA}:${userB}` : `dm:${userB}:${userA}`
}

export function newCid(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let s = ''
  for (let i = 0; i < 20; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)]
  return s
}
