import type { Kysely } from 'kysely'
import { roleOf, toRoom } from './rows'
import type { DB, RoomsTable } from './schema'
import type { Role, RoomPatch, RoomRecord } from './types'

// Room settings and roles (v1.1 §A). The owner is rooms.owner_id; admins are room_roles
// rows. Both belong to the user, not to the membership, so they outlive leave/join.

export async function getRole(db: Kysely<DB>, roomId: string, userId: string): Promise<Role> {
  const r = await db
    .selectFrom('rooms as r')
    .leftJoin('room_roles as rr', (j) => j.onRef('rr.room_id', '=', 'r.id').on('rr.user_id', '=', userId))
    .select(['r.owner_id', 'rr.role'])
    .where('r.id', '=', roomId)
    .executeTakeFirst()
  return r ? roleOf(userId, r.owner_id, r.role) : 'member'
}

export async function listAdmins(db: Kysely<DB>, roomId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('room_roles')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('role', '=', 'admin')
    .orderBy('ts')
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}

export async function setAdmin(db: Kysely<DB>, roomId: string, userId: string, admin: boolean, ts: number): Promise<boolean> {
  if (!admin) {
    const r = await db.deleteFrom('room_roles').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
    return r.numDeletedRows > 0n
  }
  const r = await db
    .insertInto('room_roles')
    .values({ room_id: roomId, user_id: userId, role: 'admin', ts })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .executeTakeFirst()
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n
}

/** `lock`: take the room row's lock first (Postgres), so concurrent transfers queue up. */
export async function setOwner(db: Kysely<DB>, roomId: string, userId: string, ts: number, lock: boolean): Promise<string | null> {
  return db.transaction().execute(async (tx) => {
    let q = tx.selectFrom('rooms').select('owner_id').where('id', '=', roomId)
    if (lock) q = q.forUpdate()
    const row = await q.executeTakeFirst()
    if (!row) throw new Error(`setOwner: room ${JSON.stringify(roomId)} does not exist`)
    const prev = row.owner_id
    if (prev === userId) return prev
    await tx.updateTable('rooms').set({ owner_id: userId }).where('id', '=', roomId).execute()
    await tx.deleteFrom('room_roles').where('room_id', '=', roomId).where('user_id', '=', userId).execute()
    if (prev !== null) {
      await tx
        .insertInto('room_roles')
        .values({ room_id: roomId, user_id: prev, role: 'admin', ts })
        .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
        .execute()
    }
    return prev
  })
}

export async function updateRoom(db: Kysely<DB>, roomId: string, p: RoomPatch): Promise<RoomRecord | null> {
  const set: Partial<RoomsTable> = {}
  if (p.title !== undefined) set.title = p.title
  if (p.access !== undefined) set.access = p.access
  if (p.mutedAll !== undefined) set.muted_all = p.mutedAll ? 1 : 0
  if (p.inviteCode !== undefined) set.invite_code = p.inviteCode
  if (p.announcement !== undefined) {
    set.announcement_text = p.announcement?.text ?? null
    set.announcement_by = p.announcement?.by ?? null
    set.announcement_ts = p.announcement?.ts ?? null
  }
  if (Object.keys(set).length > 0) await db.updateTable('rooms').set(set).where('id', '=', roomId).execute()
  const r = await db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst()
  return r ? toRoom(r) : null
}

export async function ensureInviteCode(db: Kysely<DB>, roomId: string, code: string): Promise<string | null> {
  // Two first readers racing: the first write wins and both get that code.
  await db.updateTable('rooms').set({ invite_code: code }).where('id', '=', roomId).where('invite_code', 'is', null).execute()
  const r = await db.selectFrom('rooms').select('invite_code').where('id', '=', roomId).executeTakeFirst()
  return r ? r.invite_code : null
}
