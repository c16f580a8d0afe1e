import type { Message, QuestionsPage, QuestionState, ReadMark, RoomSummary } from '@chat/protocol'
import { sql, type Kysely } from 'kysely'
import { withTimeout } from '../lib/deadline'
import { AppendBatcher } from './append-batcher'
import { adminQueries, type AdminQueries } from './admin-queries'
import { KyselyBlobs, type BlobStore } from './blobs'
import { blockQueries, type BlockStore } from './blocks'
import type { DialectOps } from './dialect'
import { insertMembersPg, joinView, joinViewsPg } from './join-view'
import * as members from './members'
import { membersAmong } from './mentions'
import * as messages from './messages'
import { runMigrations } from './migrations'
import { ReadBatcher } from './read-batcher'
import { listQuestions } from './questions'
import { saveReactionTotals } from './reactions'
import * as roles from './roles'
import * as users from './users'
import { idChunks } from './chunks'
import { listRooms } from './room-list'
import { toAudit, toRoom } from './rows'
import type { DB } from './schema'
import {
  StoreUnavailableError,
  type AppendResult,
  type AuditEntry,
  type JoinView,
  type MemberRecord,
  type NewMessage,
  type NewRoom,
  type Page,
  type Role,
  type RoomPatch,
  type RoomRecord,
  type Store,
  type UserRecord,
} from './types'

const PING_TIMEOUT_MS = 2000

/**
 * The one `Store` implementation for both dialects; `ops` carries the few things SQLite
 * and Postgres do differently. Rooms and audit live here; users, members, messages, the
 * room list and the rest in their own modules.
 */
export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres'
  /** The batcher queues appends synchronously, in call order (append-batcher.ts). */
  get appendsInCallOrder(): boolean {
    return this.batcher !== null
  }
  private closed = false
  private readonly batcher: AppendBatcher | null
  /** Postgres: joins' reads and writes, many per statement (read-batcher.ts); null on SQLite. */
  private readonly joins: {
    views: ReadBatcher<{ roomId: string; userId: string }, JoinView>
    inserts: ReadBatcher<{ roomId: string; userId: string; ts: number }, { readSeq: number; joinedAt: number } | null>
    latest: ReadBatcher<{ room: string; limit: number }, { messages: Message[]; more: boolean }>
  } | null
  readonly blobs: BlobStore
  readonly adminQueries: AdminQueries
  readonly blocks: BlockStore

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ops: DialectOps,
  ) {
    this.dialect = ops.name
    this.blobs = new KyselyBlobs(db, (fn) => this.run(fn))
    this.adminQueries = adminQueries(db, ops.name, (fn) => this.run(fn))
    this.blocks = blockQueries(db, (fn) => this.run(fn))
    const { appendBatch, isBatchConflict } = ops
    this.batcher = appendBatch
      ? new AppendBatcher({
          appendBatch: (rows) => appendBatch(db, rows),
          appendOne: (m) => messages.appendMessage(db, ops, m),
          findByCid: (room, sender, cid) => messages.findByCid(db, room, sender, cid),
          isRetryable: (err) => isBatchConflict?.(err) ?? false,
        })
      : null
    this.joins =
      ops.name === 'postgres'
        ? {
            views: new ReadBatcher(
              (items) => joinViewsPg(db, items),
              (i) => `${i.roomId}\n${i.userId}`,
            ),
            inserts: new ReadBatcher(
              // A row the batch cannot take (a user deleted meanwhile) must not fail the others.
              (items) =>
                insertMembersPg(db, items).catch(() => Promise.all(items.map((i) => members.insertMember(db, i.roomId, i.userId, i.ts)))),
              (i) => `${i.roomId}\n${i.userId}`,
            ),
            // Joins into one room at the same moment share one read of its latest page.
            latest: new ReadBatcher(
              (items) => Promise.all(items.map((i) => messages.getMessages(db, i.room, { limit: i.limit }))),
              (i) => `${i.room}\n${i.limit}`,
            ),
          }
        : null
  }

  /** Every method goes through here: a database that can't serve becomes StoreUnavailableError. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(new Error('the store is closed'))
    try {
      return await fn()
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) && this.ops.isUnavailable(err)) throw new StoreUnavailableError(err)
      throw err
    }
  }

  migrate(): Promise<void> {
    return this.run(() => runMigrations(this.db, this.dialect))
  }

  ping(): Promise<void> {
    return this.run(async () => {
      const timedOut = () => new StoreUnavailableError(new Error('ping timed out'))
      await withTimeout(sql`select 1`.execute(this.db), PING_TIMEOUT_MS, timedOut)
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.db.destroy()
  }

  // ── users ──────────────────────────────────────────────────────────────────────────

  createUser(u: { id: string; name: string; avatar: string | null; openid?: string | null; ts: number }): Promise<UserRecord> {
    return this.run(() => users.createUser(this.db, u))
  }

  getUser(id: string): Promise<UserRecord | null> {
    return this.run(() => users.getUser(this.db, id))
  }

  getUsers(ids: string[]): Promise<UserRecord[]> {
    return this.run(() => users.getUsers(this.db, ids))
  }

  getUserByOpenid(openid: string): Promise<UserRecord | null> {
    return this.run(() => users.getUserByOpenid(this.db, openid))
  }

  updateUserProfile(id: string, p: { name?: string; avatar?: string | null }): Promise<void> {
    return this.run(() => users.updateUserProfile(this.db, id, p))
  }

  setBanned(id: string, bannedAt: number | null): Promise<void> {
    return this.run(() => users.setBanned(this.db, id, bannedAt))
  }

  // ── rooms ──────────────────────────────────────────────────────────────────────────

  getRoom(id: string): Promise<RoomRecord | null> {
    return this.run(async () => {
      const r = await this.db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst()
      return r ? toRoom(r) : null
    })
  }

  /** Rooms being made: the first joins of a new room arrive together (a class at 9:00). */
  private readonly ensuring = new Map<string, Promise<RoomRecord>>()

  ensureRoom(r: NewRoom): Promise<RoomRecord> {
    const pending = this.ensuring.get(r.id)
    if (pending) return pending
    const made = this.makeRoom(r).finally(() => this.ensuring.delete(r.id))
    this.ensuring.set(r.id, made)
    return made
  }

  private makeRoom(r: NewRoom): Promise<RoomRecord> {
    return this.run(async () => {
      // Joins mostly hit existing rooms: read first, insert only when missing.
      const existing = await this.db.selectFrom('rooms').selectAll().where('id', '=', r.id).executeTakeFirst()
      if (existing) return toRoom(existing)
      const created = await this.insertRoom(r)
      return toRoom(created ?? (await this.db.selectFrom('rooms').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow()))
    })
  }

  createRoom(r: NewRoom): Promise<RoomRecord | null> {
    return this.run(async () => {
      const created = await this.insertRoom(r)
      return created ? toRoom(created) : null
    })
  }

  private insertRoom(r: NewRoom) {
    return this.db
      .insertInto('rooms')
      .values({
        id: r.id,
        title: r.title,
        kind: r.kind,
        owner_id: r.ownerId,
        last_seq: 0,
        created_at: r.ts,
        access: r.access ?? 'open',
        muted_all: 0,
        announcement_text: null,
        announcement_by: null,
        announcement_ts: null,
        invite_code: r.inviteCode ?? null,
        last_text_seq: 0,
        likes: 0,
        flowers: 0,
        reaction_likes: 0,
        reaction_flowers: 0,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  saveReactionTotals(roomId: string, likes: number, flowers: number): Promise<void> {
    return this.run(() => saveReactionTotals(this.db, this.dialect, roomId, likes, flowers))
  }

  lastSeqs(roomIds: string[]): Promise<Map<string, number>> {
    return this.run(async () => {
      const out = new Map<string, number>()
      for (const chunk of idChunks(roomIds)) {
        const rows = await this.db.selectFrom('rooms').select(['id', 'last_seq']).where('id', 'in', chunk).execute()
        for (const r of rows) out.set(r.id, r.last_seq)
      }
      return out
    })
  }

  listRooms(userId: string): Promise<RoomSummary[]> {
    return this.run(() => listRooms(this.db, userId))
  }

  membersAmong(roomId: string, userIds: string[]): Promise<string[]> {
    return this.run(() => membersAmong(this.db, roomId, userIds))
  }

  // ── settings and roles ─────────────────────────────────────────────────────────────

  updateRoom(roomId: string, patch: RoomPatch): Promise<RoomRecord | null> {
    return this.run(() => roles.updateRoom(this.db, roomId, patch))
  }
  ensureInviteCode(roomId: string, code: string): Promise<string | null> {
    return this.run(() => roles.ensureInviteCode(this.db, roomId, code))
  }
  listAdmins(roomId: string): Promise<string[]> {
    return this.run(() => roles.listAdmins(this.db, roomId))
  }
  getRole(roomId: string, userId: string): Promise<Role> {
    return this.run(() => roles.getRole(this.db, roomId, userId))
  }
  setAdmin(roomId: string, userId: string, admin: boolean, ts: number): Promise<boolean> {
    return this.run(() => roles.setAdmin(this.db, roomId, userId, admin, ts))
  }
  setOwner(roomId: string, userId: string, ts: number): Promise<string | null> {
    return this.run(() => roles.setOwner(this.db, roomId, userId, ts, this.dialect === 'postgres'))
  }

  // ── members ────────────────────────────────────────────────────────────────────────

  getMember(roomId: string, userId: string): Promise<MemberRecord | null> {
    return this.run(() => members.getMember(this.db, roomId, userId))
  }
  addMember(roomId: string, userId: string, ts: number): Promise<MemberRecord> {
    return this.run(() => members.addMember(this.db, roomId, userId, ts))
  }
  removeMember(roomId: string, userId: string): Promise<void> {
    return this.run(() => members.removeMember(this.db, roomId, userId))
  }
  setMutedUntil(roomId: string, userId: string, until: number | null): Promise<void> {
    return this.run(() => members.setMutedUntil(this.db, roomId, userId, until))
  }
  setReadSeq(roomId: string, userId: string, seq: number): Promise<boolean> {
    return this.run(() => members.setReadSeq(this.db, roomId, userId, seq))
  }
  readMarks(roomId: string, limit: number): Promise<ReadMark[]> {
    return this.run(() => members.readMarks(this.db, roomId, limit))
  }
  setKickedUntil(roomId: string, userId: string, until: number | null): Promise<void> {
    return this.run(() => members.setKickedUntil(this.db, roomId, userId, until))
  }
  getKickedUntil(roomId: string, userId: string): Promise<number | null> {
    return this.run(() => members.getKickedUntil(this.db, roomId, userId))
  }
  joinView(roomId: string, userId: string): Promise<JoinView> {
    const joins = this.joins
    return this.run(() => (joins ? joins.views.call({ roomId, userId }) : joinView(this.db, roomId, userId)))
  }
  insertMember(roomId: string, userId: string, ts: number): Promise<{ readSeq: number; joinedAt: number } | null> {
    const joins = this.joins
    return this.run(() => (joins ? joins.inserts.call({ roomId, userId, ts }) : members.insertMember(this.db, roomId, userId, ts)))
  }

  // ── messages ───────────────────────────────────────────────────────────────────────

  appendMessage(m: NewMessage): Promise<AppendResult> {
    const batcher = this.batcher
    return this.run(() => (batcher ? batcher.append(m) : messages.appendMessage(this.db, this.ops, m)))
  }
  findByCid(room: string, senderId: string, cid: string): Promise<Message | null> {
    return this.run(() => messages.findByCid(this.db, room, senderId, cid))
  }
  getMessage(room: string, seq: number): Promise<Message | null> {
    return this.run(() => messages.getMessage(this.db, room, seq))
  }
  getMessages(room: string, page: Page): Promise<{ messages: Message[]; more: boolean }> {
    const joins = this.joins
    if (joins && page.before === undefined && page.after === undefined && Number.isSafeInteger(page.limit) && page.limit >= 1) {
      return this.run(() => joins.latest.call({ room, limit: page.limit }))
    }
    return this.run(() => messages.getMessages(this.db, room, page))
  }
  recallMessage(room: string, seq: number): Promise<boolean> {
    return this.run(() => messages.recallMessage(this.db, room, seq))
  }
  listQuestions(room: string, q: { state: QuestionState; after?: number; limit: number }): Promise<QuestionsPage> {
    return this.run(() => listQuestions(this.db, room, q))
  }

  // ── audit ──────────────────────────────────────────────────────────────────────────

  audit(e: AuditEntry): Promise<void> {
    return this.run(async () => {
      await this.db
        .insertInto('audit')
        .values({
          actor_id: e.actorId,
          action: e.action,
          room_id: e.roomId,
          target_id: e.targetId,
          detail: JSON.stringify(e.detail ?? {}),
          ts: e.ts,
        })
        .execute()
    })
  }

  listAudit(roomId: string | null, limit: number): Promise<AuditEntry[]> {
    return this.run(async () => {
      let q = this.db.selectFrom('audit').select(['actor_id', 'action', 'room_id', 'target_id', 'detail', 'ts'])
      if (roomId !== null) q = q.where('room_id', '=', roomId)
      const rows = await q.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toAudit)
    })
  }
}
