import type { Message } from '@chat/protocol'
import { sql, type Kysely } from 'kysely'
import { MESSAGE_COLUMNS, toMessage, toRoom, toUser, type MessageRow } from './rows'
import type { DB } from './schema'
import type { RoomRecord, UserRecord } from './records'

/**
 * The operator's read-only views (v1.1 §G): every room by id, users by name, the audit
 * log by id, totals. Kept apart from the chat's hot paths; none of these run per message.
 */
export interface AdminRoomRow {
  room: RoomRecord
  members: number
  lastMessage: Message | null
}

export interface AdminAuditRow {
  id: number
  ts: number
  actorId: string | null
  action: string
  roomId: string | null
  targetId: string | null
}

export interface AdminQueries {
  /** Rooms ordered by id (byte order), after `after`; `q` filters on id or title (contains). */
  rooms(p: { after?: string; limit: number; q?: string }): Promise<{ rooms: AdminRoomRow[]; more: boolean }>
  /** Users whose name contains `q`, ignoring case; by name, then id. */
  users(p: { q: string; limit: number }): Promise<UserRecord[]>
  /** Newest first, ids below `before`; `user` matches the actor or the target. */
  audit(p: { before?: number; limit: number; room?: string; user?: string }): Promise<{ entries: AdminAuditRow[]; more: boolean }>
  counts(): Promise<{ rooms: number; users: number }>
}

type Run = <T>(fn: () => Promise<T>) => Promise<T>

/** `%`, `_` and the escape itself match literally. */
const likeContains = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function adminQueries(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', run: Run): AdminQueries {
  // Postgres orders text by the database's collation; ids page by code point everywhere.
  const byteOrder = dialect === 'postgres' ? sql`r.id collate "C"` : sql`r.id`
  return {
    rooms: ({ after, limit, q }) =>
      run(async () => {
        let query = db
          .selectFrom('rooms as r')
          .selectAll('r')
          .select((eb) =>
            eb.selectFrom('members as mb').select(eb.fn.countAll<number>().as('n')).whereRef('mb.room_id', '=', 'r.id').as('members'),
          )
        if (after !== undefined) query = query.where(sql<boolean>`${byteOrder} > ${after}`)
        if (q) {
          const pat = likeContains(q)
          query = query.where(sql<boolean>`(lower(r.id) like ${pat} escape '\\' or lower(r.title) like ${pat} escape '\\')`)
        }
        const rows = await query
          .orderBy(byteOrder)
          .limit(limit + 1)
          .execute()
        const page = rows.slice(0, limit)
        // The last message of each room on the page: the row at seq = last_seq (no gaps).
        const last = new Map<string, Message>()
        const withMessages = page.filter((r) => r.last_seq > 0).map((r) => r.id)
        if (withMessages.length) {
          const msgs = await db
            .selectFrom('rooms as r')
            .innerJoin('messages as m', (j) => j.onRef('m.room_id', '=', 'r.id').onRef('m.seq', '=', 'r.last_seq'))
            .innerJoin('users as u', 'u.id', 'm.sender_id')
            .select(['r.id as room_id', ...MESSAGE_COLUMNS])
            .where('r.id', 'in', withMessages)
            .execute()
          for (const m of msgs) last.set(m.room_id, toMessage(m.room_id, m as MessageRow))
        }
        return {
          more: rows.length > limit,
          rooms: page.map(({ members, ...r }) => ({ room: toRoom(r), members: Number(members ?? 0), lastMessage: last.get(r.id) ?? null })),
        }
      }),

    users: ({ q, limit }) =>
      run(async () => {
        let query = db.selectFrom('users').selectAll()
        if (q) query = query.where(sql<boolean>`lower(name) like ${likeContains(q)} escape '\\'`)
        const rows = await query.orderBy('name').orderBy('id').limit(limit).execute()
        return rows.map(toUser)
      }),

    audit: ({ before, limit, room, user }) =>
      run(async () => {
        let query = db.selectFrom('audit').select(['id', 'ts', 'actor_id', 'action', 'room_id', 'target_id'])
        if (before !== undefined) query = query.where('id', '<', before)
        if (room) query = query.where('room_id', '=', room)
        if (user) query = query.where((eb) => eb.or([eb('actor_id', '=', user), eb('target_id', '=', user)]))
        const rows = await query
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
        return {
          more: rows.length > limit,
          entries: rows.slice(0, limit).map((r) => ({
            id: Number(r.id),
            ts: Number(r.ts),
            actorId: r.actor_id,
            action: r.action,
            roomId: r.room_id,
            targetId: r.target_id,
          })),
        }
      }),

    counts: () =>
      run(async () => {
        const [rooms, users] = await Promise.all([
          db
            .selectFrom('rooms')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow(),
          db
            .selectFrom('users')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow(),
        ])
        return { rooms: Number(rooms.n), users: Number(users.n) }
      }),
  }
}
