import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { DB, UntypedDb } from './schema'

/**
 * v1.1 §D: who a stored message mentions, one row per (room, user, seq), written in the same
 * transaction as the message itself (see the dialects' inserts) and deleted by its recall.
 * The room list asks "is there a row above my read mark" — a primary-key range probe per
 * room instead of a scan of the room's messages. The sender is never indexed (a self-mention
 * is in the body but never makes one's own room `mentioned`). Kept apart from schema.ts's
 * DB so the table is this module's alone.
 */
export interface MentionsTable {
  room_id: string
  user_id: string
  seq: number
}

type MentionsDB = DB & { mentions: MentionsTable }

/** Migration 0006-mentions. No foreign keys: rows go with their message, by the same code. */
export async function createMentionsTable(db: UntypedDb): Promise<void> {
  await db.schema
    .createTable('mentions')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mentions_pkey', ['room_id', 'user_id', 'seq'])
    .execute()
}

/** The ids a stored body mentions (what checkBody and the send path left), the sender excluded. */
export function mentionedIn(kind: string, body: unknown, senderId?: string): string[] {
  if (kind !== 'text' && kind !== 'question') return []
  const list = (body as { mentions?: unknown } | null)?.mentions
  if (!Array.isArray(list)) return []
  return list.filter((id): id is string => typeof id === 'string' && id !== senderId)
}

/** Which of `ids` are current members of the room, in the order given: one query. */
export async function membersAmong(db: Kysely<DB>, roomId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('members').select('user_id').where('room_id', '=', roomId).where('user_id', 'in', ids).execute()
  const found = new Set(rows.map((r) => r.user_id))
  return ids.filter((id) => found.has(id))
}

/** SQLite's path: inside insertMessage's transaction, right after the message row. */
export async function insertMentions(db: Kysely<DB>, roomId: string, seq: number, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return
  await (db as unknown as Kysely<MentionsDB>)
    .insertInto('mentions')
    .values(userIds.map((user_id) => ({ room_id: roomId, user_id, seq })))
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** A recall takes the message's rows away (inside the recall's transaction). */
export async function deleteMentions(db: Kysely<DB>, roomId: string, seq: number, kind: string, storedBody: string): Promise<void> {
  let body: unknown
  try {
    body = JSON.parse(storedBody)
  } catch {
    return
  }
  const ids = mentionedIn(kind, body)
  if (ids.length === 0) return
  await (db as unknown as Kysely<MentionsDB>)
    .deleteFrom('mentions')
    .where('room_id', '=', roomId)
    .where('user_id', 'in', ids)
    .where('seq', '=', seq)
    .execute()
}

/**
 * The room list's `mentioned` for the member row `mb` of room `r`: a mention of the user
 * above their read mark. Recalled messages have no rows left, so no join to messages.
 */
export function mentionedSql(userId: string): RawBuilder<number> {
  return sql<number>`case when exists (
    select 1 from mentions mn where mn.room_id = r.id and mn.user_id = ${userId} and mn.seq > mb.read_seq
  ) then 1 else 0 end`
}
