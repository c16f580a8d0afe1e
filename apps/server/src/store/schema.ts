import type { Generated, Kysely } from 'kysely'

/**
 * A database seen without the typed schema: migrations (which build the schema step by step)
 * and the blob tables (not part of the chat data's schema) use it.
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own way of saying "any schema"
export type UntypedDb = Kysely<any>

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
  /** 'open' | 'invite' (0002). */
  access: string
  muted_all: number
  announcement_text: string | null
  announcement_by: string | null
  announcement_ts: number | null
  invite_code: string | null
  /** Seq of the newest message that is not a like or flower (0: none); kept at append time. */
  last_text_seq: number
  /** Non-recalled like messages, and the flowers of non-recalled flower messages. */
  likes: number
  flowers: number
  /** v1.1 §B reaction totals (0005), persisted at most once a second (store/reactions.ts). */
  reaction_likes: number
  reaction_flowers: number
}

export interface MembersTable {
  room_id: string
  user_id: string
  read_seq: number
  joined_at: number
}

/** Roles belong to the user, not to a membership row (0002): they outlive leave/join. */
export interface RoomRolesTable {
  room_id: string
  user_id: string
  /** 'admin' (the owner is rooms.owner_id). */
  role: string
  ts: number
}

/** Mutes outlive leave/join as kicks do. */
export interface MutesTable {
  room_id: string
  user_id: string
  until: number
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
  /** An answer's question seq (0002), so questions find their answers by index. */
  answer_to: number | null
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
  room_roles: RoomRolesTable
  mutes: MutesTable
  kicks: KicksTable
  messages: MessagesTable
  audit: AuditTable
}

/** The unique constraint that makes (room, sender, cid) the dedupe key. */
export const MESSAGE_CID_CONSTRAINT = 'messages_room_sender_cid_key'
