import type { RoomKind, RoomSummary } from '@chat/protocol'
import { sql, type Kysely } from 'kysely'
import { mentionedSql } from './mentions'
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows'
import type { DB } from './schema'

/**
 * The contract's GET /api/rooms in one query. Likes and flowers (§B) are neither unread
 * nor `lastMessage`, but still move a room up: the order reads the row at seq = last_seq
 * (seqs have no gaps), `lastMessage` the row at seq = last_text_seq (kept at append time),
 * both primary-key lookups; unread is a range count on the (room_id, seq) key; `mentioned`
 * (§D) a probe of the mentions table's (room_id, user_id, seq) key.
 * Order: newest message first (ts, then seq), rooms without messages last, among
 * those the newest membership first; the room id settles any remaining tie.
 */
export async function listRooms(db: Kysely<DB>, userId: string): Promise<RoomSummary[]> {
  const rows = await db
    .selectFrom('members as mb')
    .innerJoin('rooms as r', 'r.id', 'mb.room_id')
    .leftJoin('messages as ml', (j) => j.onRef('ml.room_id', '=', 'r.id').onRef('ml.seq', '=', 'r.last_seq'))
    .leftJoin('messages as m', (j) => j.onRef('m.room_id', '=', 'r.id').onRef('m.seq', '=', 'r.last_text_seq'))
    .leftJoin('users as u', 'u.id', 'm.sender_id')
    .where('mb.user_id', '=', userId)
    .select((eb) => [
      'r.id',
      'r.title',
      'r.kind as room_kind', // m.kind is the message's
      'r.last_seq',
      ...MESSAGE_COLUMNS,
      eb
        .selectFrom('messages as x')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('x.room_id', '=', 'r.id')
        .whereRef('x.seq', '>', 'mb.read_seq')
        .where('x.sender_id', '<>', userId)
        .where('x.recalled', '=', 0)
        .where(sql<boolean>`x.kind not in ('like', 'flower')`)
        .as('unread'),
      mentionedSql(userId).as('mentioned'),
    ])
    .orderBy(sql`ml.seq is null`)
    .orderBy('ml.ts', 'desc')
    .orderBy('ml.seq', 'desc')
    .orderBy('mb.joined_at', 'desc')
    .orderBy('r.id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    kind: r.room_kind as RoomKind,
    lastSeq: r.last_seq,
    unread: Number(r.unread ?? 0),
    lastMessage: r.seq === null ? null : toMessage(r.id, r as MessageRow),
    mentioned: Number(r.mentioned) === 1,
  }))
}
