import type { Announcement, Message, MessageBody, MessageKind, RoomAccess, RoomKind, User } from '@chat/protocol'

/** The store's records: what its queries read and write (the Store interface is in types.ts). */
export type Role = 'owner' | 'admin' | 'member'

export interface UserRecord extends User {
  openid: string | null
  bannedAt: number | null
  createdAt: number
}

export interface RoomRecord {
  id: string
  title: string
  kind: RoomKind
  ownerId: string | null
  lastSeq: number
  createdAt: number
  access: RoomAccess
  mutedAll: boolean
  announcement: Announcement | null
  inviteCode: string | null
  likes: number
  flowers: number
  /** v1.1 §B reactions as last persisted (the live totals may be up to a second ahead). */
  reactionLikes: number
  reactionFlowers: number
}

export interface NewRoom {
  id: string
  title: string
  kind: RoomKind
  ownerId: string | null
  ts: number
  access?: RoomAccess
  inviteCode?: string | null
}

/** What PATCH /api/rooms/:id (and the invite calls) may change; absent fields stay. */
export interface RoomPatch {
  title?: string
  access?: RoomAccess
  mutedAll?: boolean
  announcement?: Announcement | null
  inviteCode?: string
}

export interface MemberRecord {
  roomId: string
  userId: string
  /** The user's role in the room (kept apart from the membership, read with it). */
  role: Role
  readSeq: number
  /** The user's mute in the room, possibly already over (kept apart, read with it). */
  mutedUntil: number | null
  joinedAt: number
  /** The room's 全员禁言 at the time of the read, so a send needs one store read. */
  mutedAll: boolean
}

/** What a join reads about a room and the joining user, in one round trip (Store.joinView). */
export interface JoinView {
  /** null: no such room (everything else is then empty). */
  room: RoomRecord | null
  kickedUntil: number | null
  admins: string[]
  /** The membership, if the user is a member now. */
  member: MemberRecord | null
  /** Role and mute belong to the user, member or not. */
  role: Role
  mutedUntil: number | null
}

export interface NewMessage {
  room: string
  senderId: string
  cid: string
  kind: MessageKind
  body: MessageBody
  ts: number
}

export interface AppendResult {
  message: Message
  /** true when (room, sender, cid) was already stored: `message` is the original. */
  duplicate: boolean
}

export type Page = { before?: number; after?: number; limit: number }

export interface AuditEntry {
  actorId: string | null
  action: string
  roomId: string | null
  targetId: string | null
  detail: Record<string, unknown>
  ts: number
}
