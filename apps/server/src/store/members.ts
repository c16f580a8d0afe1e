import { sql, type Kysely } from 'kysely'
import { toMember } from './rows'
import type { DB } from './schema'
import type { MemberRecord, Role } from './types'

// Membership, read marks and kick bans.

function memberRow(db: Kysely<DB>, roomId: string, userId: string) {
  return db.selectFrom('members').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
}

export async function getMember(db: Kysely<DB>, roomId: string, userId: string): Promise<MemberRecord | null> {
  const r = await memberRow(db, roomId, userId)
  return r ? toMember(r) : null
}

export async function addMember(db: Kysely<DB>, roomId: string, userId: string, role: Role, ts: number): Promise<MemberRecord> {
  // One statement reads last_seq and inserts, so the read mark is the seq at join time.
  const inserted = await db
    .insertInto('members')
    .columns(['room_id', 'user_id', 'role', 'read_seq', 'joined_at'])
    .expression((eb) =>
      eb
        .selectFrom('rooms')
        .select([
          eb.val(roomId).as('room_id'),
          eb.val(userId).as('user_id'),
          eb.val(role).as('role'),
          'last_seq',
          sql<number>`cast(${ts} as bigint)`.as('joined_at'),
        ])
        .where('id', '=', roomId),
    )
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .returningAll()
    .executeTakeFirst()
  if (inserted) return toMember(inserted)
  const existing = await memberRow(db, roomId, userId)
  if (!existing) throw new Error(`addMember: room ${JSON.stringify(roomId)} does not exist`)
  return toMember(existing)
}

export async function updateMember(
  db: Kysely<DB>,
  roomId: string,
  userId: string,
  set: { role?: Role; muted_until?: number | null },
): Promise<void> {
  await db.updateTable('members').set(set).where('room_id', '=', roomId).where('user_id', '=', userId).execute()
}

export async function removeMember(db: Kysely<DB>, roomId: string, userId: string): Promise<void> {
  await db.deleteFrom('members').where('room_id', '=', roomId).where('user_id', '=', userId).execute()
}

export async function setReadSeq(db: Kysely<DB>, roomId: string, userId: string, seq: number): Promise<void> {
  // Raise only, and never past the room's last seq (a bogus mark would hide later messages).
  await db
    .updateTable('members')
    .set((eb) => ({
      read_seq: eb
        .selectFrom('rooms')
        .select(sql<number>`case when last_seq < ${seq} then last_seq else ${seq} end`.as('s'))
        .where('id', '=', roomId),
    }))
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('read_seq', '<', seq)
    .execute()
}

export async function setKickedUntil(db: Kysely<DB>, roomId: string, userId: string, until: number | null): Promise<void> {
  if (until === null) {
    await db.deleteFrom('kicks').where('room_id', '=', roomId).where('user_id', '=', userId).execute()
    return
  }
  await db
    .insertInto('kicks')
    .values({ room_id: roomId, user_id: userId, until })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ until }))
    .execute()
}

export async function getKickedUntil(db: Kysely<DB>, roomId: string, userId: string): Promise<number | null> {
  const r = await db
    .selectFrom('kicks')
    .select('until')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return r ? r.until : null
}
