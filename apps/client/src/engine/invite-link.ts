// The links that open a room: the chat page's path with `room` (and an invite room's
// `invite` code) in its query — a mini-program share card's path, or the H5 hash URL
// (protocol v1.1 §F).
import type { RoomInfo } from '@chat/protocol'

/** A room just made on the rooms page, with what the create sheet shows and shares. */
export interface CreatedRoom {
  room: RoomInfo
  /** The invite code ('' for an open room). */
  code: string
  link: string
}

export function chatPath(room: string, invite?: string | null): string {
  const q = `room=${encodeURIComponent(room)}` + (invite ? `&invite=${encodeURIComponent(invite)}` : '')
  return `/pages/chat/chat?${q}`
}

/** `https://host/app/#/pages/chat/chat?room=…&invite=…` for the H5 page at `pageUrl`. */
export function h5ChatUrl(pageUrl: string, room: string, invite?: string | null): string {
  return pageUrl.replace(/#.*$/, '') + '#' + chatPath(room, invite)
}

export interface ChatQuery {
  room: string
  invite: string | null
}

/** The chat page's query as onLoad gets it (values may still be URI-encoded on some platforms). */
export function parseChatQuery(query: Record<string, unknown> | undefined): ChatQuery {
  const dec = (v: unknown) => {
    const s = typeof v === 'string' ? v : ''
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const invite = dec(query?.invite).trim()
  return { room: dec(query?.room), invite: invite || null }
}

/** Only a chat page path may be the place to land after logging in (no open redirects). */
export function safeRedirect(raw: unknown): string | null {
  const s = typeof raw === 'string' ? raw : ''
  let path = s
  try {
    path = decodeURIComponent(s)
  } catch {
    return null
  }
  return /^\/pages\/chat\/chat\?room=[^&#\s]+(&invite=[^&#\s]+)?$/.test(path) ? path : null
}
