import type { Message, QuestionsPage, QuestionState, ReadMark, RoomSummary } from '@chat/protocol'
import type { AdminQueries } from './admin-queries'
import type { BlobStore } from './blobs'
import type { BlockStore } from './blocks'
import type {
  AppendResult,
  AuditEntry,
  JoinView,
  MemberRecord,
  NewMessage,
  NewRoom,
  Page,
  Role,
  RoomPatch,
  RoomRecord,
  UserRecord,
} from './records'

export type * from './records'

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
  /** Creates the room if it does not exist; returns it either way (concurrent calls for one id share one). */
  ensureRoom(r: NewRoom): Promise<RoomRecord>
  /** Creates a room; returns null when the id is taken. */
  createRoom(r: NewRoom): Promise<RoomRecord | null>
  /** v1.1 §B: persists a room's reaction totals; never lowers a stored counter. */
  saveReactionTotals(roomId: string, likes: number, flowers: number): Promise<void>
  /** Batch read of last seqs, for the tail check of rooms a node serves. */
  lastSeqs(roomIds: string[]): Promise<Map<string, number>>

  /** Applies the given settings; returns the room after, or null when it does not exist. */
  updateRoom(roomId: string, patch: RoomPatch): Promise<RoomRecord | null>
  /** Stores `code` as the room's invite code unless it has one; returns the code it has. */
  ensureInviteCode(roomId: string, code: string): Promise<string | null>
  /** The room's admins, in the order they were made admins. */
  listAdmins(roomId: string): Promise<string[]>
  /** The user's role in the room, member or not (roles outlive leave/join). */
  getRole(roomId: string, userId: string): Promise<Role>
  /** Makes the user an admin (true) or not (false); returns whether anything changed. */
  setAdmin(roomId: string, userId: string, admin: boolean, ts: number): Promise<boolean>
  /**
   * Makes `userId` the owner, atomically: the previous owner (if another user) becomes an
   * admin, the new one stops being one. Returns the previous owner.
   */
  setOwner(roomId: string, userId: string, ts: number): Promise<string | null>

  getMember(roomId: string, userId: string): Promise<MemberRecord | null>
  /** Adds a member with readSeq = room's lastSeq; no-op if already a member. */
  addMember(roomId: string, userId: string, ts: number): Promise<MemberRecord>
  removeMember(roomId: string, userId: string): Promise<void>
  /** Mutes outlive leave/join; null lifts the mute. */
  setMutedUntil(roomId: string, userId: string, until: number | null): Promise<void>
  /** Raises the read mark (never lowers it); true when it went up. */
  // A mark past the room's lastSeq is stored as lastSeq (a bogus mark would hide later messages).
  setReadSeq(roomId: string, userId: string, seq: number): Promise<boolean>
  /** Members' read marks above 0, highest first (then by user id), at most `limit`. */
  readMarks(roomId: string, limit: number): Promise<ReadMark[]>
  /** Kick bans outlive membership: join is refused until `until`. */
  setKickedUntil(roomId: string, userId: string, until: number | null): Promise<void>
  getKickedUntil(roomId: string, userId: string): Promise<number | null>
  /** The room, the user's kick, membership, role and mute, and the admins: a join's reads at once. */
  joinView(roomId: string, userId: string): Promise<JoinView>
  /**
   * Makes the user a member (read mark at the room's last seq) in one statement; null when
   * nothing was inserted (already a member, or no such room). addMember also reads the row.
   */
  insertMember(roomId: string, userId: string, ts: number): Promise<{ readSeq: number; joinedAt: number } | null>
  /** The contract's GET /api/rooms, ordered as it says. */
  listRooms(userId: string): Promise<RoomSummary[]>
  /** §D: which of `userIds` are current members of the room, in the given order (one query). */
  membersAmong(roomId: string, userIds: string[]): Promise<string[]>

  appendMessage(m: NewMessage): Promise<AppendResult>
  /**
   * True when appends called one after another get increasing seqs (within a room) even if
   * the earlier has not finished: a connection may then overlap its sends (ws/socket.ts).
   */
  readonly appendsInCallOrder: boolean
  findByCid(room: string, senderId: string, cid: string): Promise<Message | null>
  getMessage(room: string, seq: number): Promise<Message | null>
  /** Ascending by seq. No before/after → the latest `limit`. */
  getMessages(room: string, page: Page): Promise<{ messages: Message[]; more: boolean }>
  /** Marks recalled and empties the body (and takes a like/flower off the room's totals); false when no such message. */
  recallMessage(room: string, seq: number): Promise<boolean>
  /** §C: questions ascending by seq, each with the seqs of its answers that are not recalled. */
  listQuestions(room: string, q: { state: QuestionState; after?: number; limit: number }): Promise<QuestionsPage>

  audit(e: AuditEntry): Promise<void>
  /** Newest first; roomId null lists every room's entries and the roomless ones. */
  listAudit(roomId: string | null, limit: number): Promise<AuditEntry[]>

  /** Uploads shared by every node (store/blobs.ts). */
  readonly blobs: BlobStore
  /** The operator's read-only views, v1.1 §G (store/admin-queries.ts). */
  readonly adminQueries: AdminQueries
  /** v1.1 §H blocks and the dm rule's common-room test (store/blocks.ts). */
  readonly blocks: BlockStore
}

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the message store is unavailable', { cause })
    this.name = 'StoreUnavailableError'
  }
}
