import { sql, type Kysely } from 'kysely'
import { listAdmins } from './roles'
import { roleOf, toRoom } from './rows'
import type { DB, RoomsTable } from './schema'
import type { JoinView, MemberRecord } from './types'

// A join's reads in one statement: on Postgres each round trip is a syscall, a backend
// wake-up and a pool hand-off, and a class joining at 9:00 makes thousands of them. The
// user's rows are single-key lookups joined to the room. SQLite reads in process (a second
// query for the admins costs next to nothing); Postgres batches many joins' reads at once.

interface ViewCols {
  kicked_until: number | null
  m_read_seq: number | null
  m_joined_at: number | null
  admin_role: string | null
  muted_until: number | null
}

const noRoom = (): JoinView => ({ room: null, kickedUntil: null, admins: [], member: null, role: 'member', mutedUntil: null })

function toView(userId: string, row: RoomsTable & ViewCols, admins: string[]): JoinView {
  const room = toRoom(row)
  const role = roleOf(userId, room.ownerId, row.admin_role)
  const mutedUntil = row.muted_until
  const member: MemberRecord | null =
    row.m_read_seq === null || row.m_joined_at === null
      ? null
      : { roomId: room.id, userId, role, readSeq: row.m_read_seq, mutedUntil, joinedAt: row.m_joined_at, mutedAll: room.mutedAll }
  return { room, kickedUntil: row.kicked_until, admins, member, role, mutedUntil }
}

/** One join's view (SQLite; Postgres batches them, joinViewsPg). */
export async function joinView(db: Kysely<DB>, roomId: string, userId: string): Promise<JoinView> {
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
    .where('r.id', '=', roomId)
    .executeTakeFirst()
  return row ? toView(userId, row, await listAdmins(db, roomId)) : noRoom()
}

// ── Postgres: many joins' reads in one statement (see read-batcher.ts) ─────────────────────
// Each lookup is LATERAL … LIMIT 1, an index probe per input row: plain joins against an
// unnest() let the planner hash whole tables (members grows with every join ever made).

export async function joinViewsPg(db: Kysely<DB>, items: Array<{ roomId: string; userId: string }>): Promise<JoinView[]> {
  const { rows } = await sql<RoomsTable & ViewCols & { ord: number; admins: string[] | null }>`
    select q.ord, r.*, k.until as kicked_until, mb.read_seq as m_read_seq, mb.joined_at as m_joined_at,
           rr.role as admin_role, mu.until as muted_until,
           (select json_agg(a.user_id order by a.ts, a.user_id) from room_roles a where a.room_id = r.id and a.role = 'admin') as admins
    from unnest(${items.map((i) => i.roomId)}::text[], ${items.map((i) => i.userId)}::text[]) with ordinality as q(room_id, user_id, ord)
    join lateral (select * from rooms where id = q.room_id limit 1) r on true
    left join lateral (select until from kicks where room_id = q.room_id and user_id = q.user_id limit 1) k on true
    left join lateral (select read_seq, joined_at from members where room_id = q.room_id and user_id = q.user_id limit 1) mb on true
    left join lateral (select role from room_roles where room_id = q.room_id and user_id = q.user_id limit 1) rr on true
    left join lateral (select until from mutes where room_id = q.room_id and user_id = q.user_id limit 1) mu on true`.execute(db)
  const byOrd = new Map(rows.map((r) => [Number(r.ord), r]))
  return items.map((it, i) => {
    const row = byOrd.get(i + 1)
    return row ? toView(it.userId, row, row.admins ?? []) : noRoom()
  })
}

export async function insertMembersPg(
  db: Kysely<DB>,
  items: Array<{ roomId: string; userId: string; ts: number }>,
): Promise<Array<{ readSeq: number; joinedAt: number } | null>> {
  const { rows } = await sql<{ room_id: string; user_id: string; read_seq: number; joined_at: number }>`
    insert into members (room_id, user_id, read_seq, joined_at)
    select q.room_id, q.user_id, r.last_seq, q.ts
    from unnest(${items.map((i) => i.roomId)}::text[], ${items.map((i) => i.userId)}::text[], ${items.map((i) => i.ts)}::bigint[])
      as q(room_id, user_id, ts)
    join lateral (select last_seq from rooms where id = q.room_id limit 1) r on true
    on conflict (room_id, user_id) do nothing
    returning room_id, user_id, read_seq, joined_at`.execute(db)
  // Pairs are distinct (the batcher gives equal ones one slot); no row: already a member or no room.
  const made = new Map(rows.map((r) => [`${r.room_id}\n${r.user_id}`, r]))
  return items.map((it) => {
    const r = made.get(`${it.roomId}\n${it.userId}`)
    return r ? { readSeq: Number(r.read_seq), joinedAt: Number(r.joined_at) } : null
  })
}
