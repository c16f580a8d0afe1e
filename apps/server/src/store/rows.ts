import type { Message, MessageBody, MessageKind, RoomAccess, RoomKind } from '@chat/protocol'
import type { AuditEntry, MemberRecord, Role, RoomRecord, UserRecord } from './records'
import type { AuditTable, RoomsTable, UsersTable } from './schema'

// Row → record mapping, kept apart so every query returns the contract's shapes the same way.

/** The columns a Message is built from: the message row joined with its sender. */
export interface MessageRow {
  seq: number
  cid: string
  sender_id: string
  kind: string
  body: string
  ts: number
  recalled: number
  name: string
  avatar: string | null
}

/** Column list matching MessageRow, for selects from `messages as m` joined to `users as u`. */
export const MESSAGE_COLUMNS = ['m.seq', 'm.cid', 'm.sender_id', 'm.kind', 'm.body', 'm.ts', 'm.recalled', 'u.name', 'u.avatar'] as const

const EMPTY_BODY = Object.freeze({}) as Record<string, never>

export function toMessage(room: string, r: MessageRow): Message {
  const m: Message = {
    room,
    seq: r.seq,
    cid: r.cid,
    from: { id: r.sender_id, name: r.name, avatar: r.avatar },
    kind: r.kind as MessageKind,
    body: r.recalled ? { ...EMPTY_BODY } : (JSON.parse(r.body) as MessageBody),
    ts: r.ts,
  }
  if (r.recalled) m.recalled = true
  return m
}

export function toUser(r: UsersTable): UserRecord {
  return {
    id: r.id,
    name: r.name,
    avatar: r.avatar,
    openid: r.openid,
    bannedAt: r.banned_at,
    createdAt: r.created_at,
  }
}

export function toRoom(r: RoomsTable): RoomRecord {
  return {
    id: r.id,
    title: r.title,
    kind: r.kind as RoomKind,
    ownerId: r.owner_id,
    lastSeq: r.last_seq,
    createdAt: r.created_at,
    access: r.access === 'invite' ? 'invite' : ('open' as RoomAccess),
    mutedAll: Number(r.muted_all) === 1,
    announcement:
      r.announcement_text === null ? null : { text: r.announcement_text, by: r.announcement_by ?? '', ts: Number(r.announcement_ts ?? 0) },
    inviteCode: r.invite_code,
    likes: Number(r.likes),
    flowers: Number(r.flowers),
    reactionLikes: Number(r.reaction_likes ?? 0),
    reactionFlowers: Number(r.reaction_flowers ?? 0),
  }
}

/** A membership row joined with the room's owner, the user's admin role and mute. */
export interface MemberRow {
  room_id: string
  user_id: string
  read_seq: number
  joined_at: number
  owner_id: string | null
  muted_all: number
  admin_role: string | null
  until: number | null
}

export function roleOf(userId: string, ownerId: string | null, adminRole: string | null): Role {
  if (ownerId === userId) return 'owner'
  return adminRole === 'admin' ? 'admin' : 'member'
}

export function toMember(r: MemberRow): MemberRecord {
  return {
    roomId: r.room_id,
    userId: r.user_id,
    role: roleOf(r.user_id, r.owner_id, r.admin_role),
    readSeq: r.read_seq,
    mutedUntil: r.until,
    joinedAt: r.joined_at,
    mutedAll: Number(r.muted_all) === 1,
  }
}

export function toAudit(r: Omit<AuditTable, 'id'>): AuditEntry {
  return {
    actorId: r.actor_id,
    action: r.action,
    roomId: r.room_id,
    targetId: r.target_id,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    ts: r.ts,
  }
}
