import type { Message, MessageBody, MessageKind, RoomKind, RoomSummary, User } from '@chat/protocol'

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
}

export interface MemberRecord {
  roomId: string
  userId: string
  role: Role
  readSeq: number
  mutedUntil: number | null
  joinedAt: number
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

/**
 * The durable store. Every method is safe to call from several nodes at once against the
 * same database; `appendMessage` allocates the room's next seq in the same transaction as
 * the insert, so seqs have no gaps and a retry of (room, sender, cid) stores nothing.
 * Failures of the database surface as `StoreUnavailableError`.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  migrate(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>

  /** With an openid already stored (two first logins raced), returns that user instead. */
  createUser(u: { id: string; name: string; avatar: string | null; openid?: string | null; ts: number }): Promise<UserRecord>
  getUser(id: string): Promise<UserRecord | null>
  getUsers(ids: string[]): Promise<UserRecord[]>
  getUserByOpenid(openid: string): Promise<UserRecord | null>
  updateUserProfile(id: string, p: { name?: string; avatar?: string | null }): Promise<void>
  setBanned(id: string, bannedAt: number | null): Promise<void>

  getRoom(id: string): Promise<RoomRecord | null>
  /** Creates the room if it does not exist; returns it either way. */
  ensureRoom(r: { id: string; title: string; kind: RoomKind; ownerId: string | null; ts: number }): Promise<RoomRecord>
  /** Creates a room; returns null when the id is taken. */
  createRoom(r: { id: string; title: string; kind: RoomKind; ownerId: string | null; ts: number }): Promise<RoomRecord | null>
  /** Batch read of last seqs, for the tail check of rooms a node serves. */
  lastSeqs(roomIds: string[]): Promise<Map<string, number>>

  getMember(roomId: string, userId: string): Promise<MemberRecord | null>
  /** Adds a member with readSeq = room's lastSeq (role as given); no-op if already a member. */
  addMember(roomId: string, userId: string, role: Role, ts: number): Promise<MemberRecord>
  removeMember(roomId: string, userId: string): Promise<void>
  setRole(roomId: string, userId: string, role: Role): Promise<void>
  setMutedUntil(roomId: string, userId: string, until: number | null): Promise<void>
  /** Raises the read mark (never lowers it). */
  // A mark past the room's lastSeq is stored as lastSeq (a bogus mark would hide later messages).
  setReadSeq(roomId: string, userId: string, seq: number): Promise<void>
  /** Kick bans outlive membership: join is refused until `until`. */
  setKickedUntil(roomId: string, userId: string, until: number | null): Promise<void>
  getKickedUntil(roomId: string, userId: string): Promise<number | null>
  /** The contract's GET /api/rooms, ordered as it says. */
  listRooms(userId: string): Promise<RoomSummary[]>

  appendMessage(m: NewMessage): Promise<AppendResult>
  findByCid(room: string, senderId: string, cid: string): Promise<Message | null>
  getMessage(room: string, seq: number): Promise<Message | null>
  /** Ascending by seq. No before/after → the latest `limit`. */
  getMessages(room: string, page: Page): Promise<{ messages: Message[]; more: boolean }>
  /** Marks recalled and empties the body; returns false when no such message. */
  recallMessage(room: string, seq: number): Promise<boolean>

  audit(e: AuditEntry): Promise<void>
  /** Newest first; roomId null lists every room's entries and the roomless ones. */
  listAudit(roomId: string | null, limit: number): Promise<AuditEntry[]>
}

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the message store is unavailable', { cause })
    this.name = 'StoreUnavailableError'
  }
}
