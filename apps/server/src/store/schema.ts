import type { Generated } from 'kysely'

// Row shapes as Kysely sees them. Timestamps are ms since epoch (bigint in Postgres, parsed
// to JS numbers by the pool's type parser); flags are 0/1 integers so both dialects agree.

export interface UsersTable {
  id: string
  name: string
  avatar: string | null
  openid: string | null
  banned_at: number | null
  created_at: number
}

export interface RoomsTable {
  id: string
  title: string
  kind: string
  owner_id: string | null
  last_seq: number
  created_at: number
}

export interface MembersTable {
  room_id: string
  user_id: string
  role: string
  read_seq: number
  muted_until: number | null
  joined_at: number
}

export interface KicksTable {
  room_id: string
  user_id: string
  until: number
}

export interface MessagesTable {
  room_id: string
  seq: number
  sender_id: string
  cid: string
  kind: string
  /** JSON text of the body; '{}' once recalled. */
  body: string
  ts: number
  recalled: number
}

export interface AuditTable {
  id: Generated<number>
  actor_id: string | null
  action: string
  room_id: string | null
  target_id: string | null
  detail: string
  ts: number
}

export interface DB {
  users: UsersTable
  rooms: RoomsTable
  members: MembersTable
  kicks: KicksTable
  messages: MessagesTable
  audit: AuditTable
}

/** The unique constraint that makes (room, sender, cid) the dedupe key. */
export const MESSAGE_CID_CONSTRAINT = 'messages_room_sender_cid_key'
