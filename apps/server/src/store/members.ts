import type { ReadMark } from '@chat/protocol'
import { sql, type Kysely } from 'kysely'
import { toMember } from './rows'
import type { DB } from './schema'
import type { MemberRecord } from './types'

// Membership, read marks, mutes and kick bans. Roles and mutes live in tables of their
// own (room_roles, mutes), so they outlive leave/join; a member read joins them in.

function memberRow(db: Kysely<DB>, roomId: string, userId: string) {
  return db
    .selectFrom('members as mb')
    .innerJoin('rooms as r', 'r.id', 'mb.room_id')
    .leftJoin('room_roles as rr', (j) => j.onRef('rr.room_id', '=', 'mb.room_id').onRef('rr.user_id', '=', 'mb.user_id'))
    .leftJoin('mutes as mu', (j) => j.onRef('mu.room_id', '=', 'mb.room_id').onRef('mu.user_id', '=', 'mb.user_id'))
    .select(['mb.room_id', 'mb.user_id', 'mb.read_seq', 'mb.joined_at', 'r.owner_id', 'r.muted_all', 'rr.role as admin_role', 'mu.until'])
    .where('mb.room_id', '=', roomId)
    .where('mb.user_id', '=', userId)
    .executeTakeFirst()
}

export async function getMember(db: Kysely<DB>, roomId: string, userId: string): Promise<MemberRecord | null> {
  const r = await memberRow(db, roomId, userId)
  return r ? toMember(r) : null
}

export async function addMember(db: Kysely<DB>, roomId: string, userId: string, ts: number): Promise<MemberRecord> {
  await insertMember(db, roomId, userId, ts)
  const row = await memberRow(db, roomId, userId)
  if (!row) throw new Error(`addMember: room ${JSON.stringify(roomId)} does not exist`)
  return toMember(row)
}

/**
 * Makes the user a member with the read mark at the room's last seq (one statement reads it
 * and inserts). Returns the new row's read mark and join time, or null when nothing was
 * inserted: already a member (a race with another socket of the user) or no such room.
 */
export async function insertMember(
  db: Kysely<DB>,
  roomId: string,
  userId: string,
  ts: number,
): Promise<{ readSeq: number; joinedAt: number } | null> {
  const r = await db
    .insertInto('members')
    .columns(['room_id', 'user_id', 'read_seq', 'joined_at'])
    .expression((eb) =>
      eb
        .selectFrom('rooms')
        .select([
          eb.val(roomId).as('room_id'),
          eb.val(userId).as('user_id'),
          'last_seq',
          sql<number>`cast(${ts} as bigint)`.as('joined_at'),
        ])
        .where('id', '=', roomId),
    )
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .returning(['read_seq', 'joined_at'])
    .executeTakeFirst()
  return r ? { readSeq: Number(r.read_seq), joinedAt: Number(r.joined_at) } : null
}

export async function removeMember(db: Kysely<DB>, roomId: string, userId: string): Promise<void> {
  await db.deleteFrom('members').where('room_id', '=', roomId).where('user_id', '=', userId).execute()
}

export async function setReadSeq(db: Kysely<DB>, roomId: string, userId: string, seq: number): Promise<boolean> {
  // Raise only, and never past the room's last seq (a bogus mark would hide later messages).
  // The bound is in the WHERE too, so "a row changed" means "the mark went up".
  const bound = sql<number>`(select case when last_seq < ${seq} then last_seq else ${seq} end from rooms where id = ${roomId})`
  const r = await db
    .updateTable('members')
    .set({ read_seq: bound })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('read_seq', '<', bound)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** The highest read marks of a room's members (a dm or small group's 已读 after a reload). */
export async function readMarks(db: Kysely<DB>, roomId: string, limit: number): Promise<ReadMark[]> {
  const rows = await db
    .selectFrom('members')
    .select(['user_id', 'read_seq'])
    .where('room_id', '=', roomId)
    .where('read_seq', '>', 0)
    .orderBy('read_seq', 'desc')
    .orderBy('user_id')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ user: r.user_id, seq: Number(r.read_seq) }))
}

/** Shared by mutes and kicks: a (room, user) → until row; null deletes it. */
async function setUntil(db: Kysely<DB>, table: 'mutes' | 'kicks', roomId: string, userId: string, until: number | null): Promise<void> {
  if (until === null) {
    await db.deleteFrom(table).where('room_id', '=', roomId).where('user_id', '=', userId).execute()
    return
  }
  await db
    .insertInto(table)
    .values({ room_id: roomId, user_id: userId, until })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ until }))
    .execute()
}

export const setMutedUntil = (db: Kysely<DB>, roomId: string, userId: string, until: number | null) =>
  setUntil(db, 'mutes', roomId, userId, until)

export const setKickedUntil = (db: Kysely<DB>, roomId: string, userId: string, until: number | null) =>
  setUntil(db, 'kicks', roomId, userId, until)

export async function getKickedUntil(db: Kysely<DB>, roomId: string, userId: string): Promise<number | null> {
  const r = await db.selectFrom('kicks').select('until').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
  return r ? r.until : null
}
