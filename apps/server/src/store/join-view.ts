import { sql, type Kysely } from 'kysely'
import { listAdmins } from './roles'
import { roleOf, toRoom } from './rows'
import type { DB } from './schema'
import type { JoinView, MemberRecord } from './types'

// A join's reads in one statement: on Postgres each round trip is a syscall, a backend
// wake-up and a pool hand-off, and a class joining at 9:00 makes thousands of them. The
// user's rows are single-key lookups joined to the room; the admins ride along as JSON
// on Postgres (SQLite reads in process, so a second query there costs next to nothing).

export async function joinView(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', roomId: string, userId: string): Promise<JoinView> {
  const pg = dialect === 'postgres'
  const row = await db
    .selectFrom('rooms as r')
    .leftJoin('kicks as k', (j) => j.onRef('k.room_id', '=', 'r.id').on('k.user_id', '=', userId))
    .leftJoin('members as mb', (j) => j.onRef('mb.room_id', '=', 'r.id').on('mb.user_id', '=', userId))
    .leftJoin('room_roles as rr', (j) => j.onRef('rr.room_id', '=', 'r.id').on('rr.user_id', '=', userId))
    .leftJoin('mutes as mu', (j) => j.onRef('mu.room_id', '=', 'r.id').on('mu.user_id', '=', userId))
    .selectAll('r')
    .select([
      'k.until as kicked_until',
      'mb.read_seq as m_read_seq',
      'mb.joined_at as m_joined_at',
      'rr.role as admin_role',
      'mu.until as muted_until',
    ])
    .$if(pg, (q) =>
      q.select(
        sql<
          string[] | null
        >`(select json_agg(a.user_id order by a.ts, a.user_id) from room_roles a where a.room_id = r.id and a.role = 'admin')`.as('admins'),
      ),
    )
    .where('r.id', '=', roomId)
    .executeTakeFirst()
  if (!row) return { room: null, kickedUntil: null, admins: [], member: null, role: 'member', mutedUntil: null }
  const room = toRoom(row)
  const admins = pg ? ((row as { admins?: string[] | null }).admins ?? []) : await listAdmins(db, roomId)
  const role = roleOf(userId, room.ownerId, row.admin_role)
  const mutedUntil = row.muted_until
  const member: MemberRecord | null =
    row.m_read_seq === null || row.m_joined_at === null
      ? null
      : { roomId, userId, role, readSeq: row.m_read_seq, mutedUntil, joinedAt: row.m_joined_at, mutedAll: room.mutedAll }
  return { room, kickedUntil: row.kicked_until, admins, member, role, mutedUntil }
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
