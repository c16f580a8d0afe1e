import type { Message } from '@chat/protocol'
import type { Kysely } from 'kysely'
import { appendEffects, recallEffects } from './append-effects'
import type { DialectOps } from './dialect'
import { deleteMentions } from './mentions'
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows'
import type { DB } from './schema'
import type { AppendResult, NewMessage, Page } from './types'

// Message queries of the store. Every read joins the sender, so a Message always carries
// `from` as the user is now (name and avatar changes show in history too).

function messages(db: Kysely<DB>, room: string) {
  return db.selectFrom('messages as m').innerJoin('users as u', 'u.id', 'm.sender_id').select(MESSAGE_COLUMNS).where('m.room_id', '=', room)
}

/**
 * Dedupe lookup, then the atomic seq-and-insert. The lookup runs outside the room's row
 * lock, so retries (common after reconnects) never queue behind other senders; a retry that
 * races the original past it hits the unique key instead, and gets the original back.
 */
export async function appendMessage(db: Kysely<DB>, ops: DialectOps, m: NewMessage): Promise<AppendResult> {
  // One read finds both the sender (for `from`) and an earlier send of this cid.
  const found = await db
    .selectFrom('users as u')
    .leftJoin('messages as m', (j) => j.on('m.room_id', '=', m.room).onRef('m.sender_id', '=', 'u.id').on('m.cid', '=', m.cid))
    .select(['u.name', 'u.avatar', 'm.seq', 'm.kind', 'm.body', 'm.ts', 'm.recalled'])
    .where('u.id', '=', m.senderId)
    .executeTakeFirst()
  if (!found) throw new Error(`appendMessage: user ${JSON.stringify(m.senderId)} does not exist`)
  if (found.seq !== null) {
    const row = { ...found, cid: m.cid, sender_id: m.senderId } as MessageRow
    return { message: toMessage(m.room, row), duplicate: true }
  }
  let seq: number | null
  const fx = appendEffects(m.kind, m.body, m.senderId)
  try {
    seq = await ops.insertMessage(
      db,
      {
        room_id: m.room,
        sender_id: m.senderId,
        cid: m.cid,
        kind: m.kind,
        body: JSON.stringify(m.body),
        ts: m.ts,
        recalled: 0,
        answer_to: fx.answerTo,
      },
      fx,
    )
  } catch (err) {
    if (!ops.isUniqueViolation(err)) throw err
    const original = await findByCid(db, m.room, m.senderId, m.cid)
    if (!original) throw err
    return { message: original, duplicate: true }
  }
  if (seq === null) throw new Error(`appendMessage: room ${JSON.stringify(m.room)} does not exist`)
  const message: Message = {
    room: m.room,
    seq,
    cid: m.cid,
    from: { id: m.senderId, name: found.name, avatar: found.avatar },
    kind: m.kind,
    body: m.body,
    ts: m.ts,
  }
  return { message, duplicate: false }
}

export async function findByCid(db: Kysely<DB>, room: string, senderId: string, cid: string): Promise<Message | null> {
  const r = await messages(db, room).where('m.sender_id', '=', senderId).where('m.cid', '=', cid).executeTakeFirst()
  return r ? toMessage(room, r) : null
}

export async function getMessage(db: Kysely<DB>, room: string, seq: number): Promise<Message | null> {
  const r = await messages(db, room).where('m.seq', '=', seq).executeTakeFirst()
  return r ? toMessage(room, r) : null
}

export async function getMessages(db: Kysely<DB>, room: string, page: Page): Promise<{ messages: Message[]; more: boolean }> {
  const { before, after, limit } = page
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`getMessages: limit must be a whole number ≥ 1, got ${limit}`)
  if (before !== undefined && after !== undefined) throw new RangeError('getMessages: give before or after, not both')
  // One extra row tells whether more exist beyond the page.
  const q =
    after !== undefined
      ? messages(db, room).where('m.seq', '>', after).orderBy('m.seq', 'asc')
      : before !== undefined
        ? messages(db, room).where('m.seq', '<', before).orderBy('m.seq', 'desc')
        : messages(db, room).orderBy('m.seq', 'desc')
  const rows = await q.limit(limit + 1).execute()
  const more = rows.length > limit
  if (more) rows.pop()
  if (after === undefined) rows.reverse()
  return { messages: rows.map((r) => toMessage(room, r)), more }
}

/**
 * A like or flower recalled comes off the room's totals in the same transaction; the
 * `recalled = 0` guard makes a second, racing recall change nothing (Postgres re-checks it
 * after the first one's row lock).
 */
export async function recallMessage(db: Kysely<DB>, room: string, seq: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const old = await tx
      .selectFrom('messages')
      .select(['kind', 'body', 'recalled'])
      .where('room_id', '=', room)
      .where('seq', '=', seq)
      .executeTakeFirst()
    if (!old) return false
    if (old.recalled) return true
    const r = await tx
      .updateTable('messages')
      .set({ recalled: 1, body: '{}' })
      .where('room_id', '=', room)
      .where('seq', '=', seq)
      .where('recalled', '=', 0)
      .executeTakeFirst()
    if (r.numUpdatedRows > 0n) await deleteMentions(tx, room, seq, old.kind, old.body)
    const fx = recallEffects(old.kind, old.body)
    if (r.numUpdatedRows > 0n && (fx.likes || fx.flowers)) {
      await tx
        .updateTable('rooms')
        .set((eb) => ({ likes: eb('likes', '-', fx.likes), flowers: eb('flowers', '-', fx.flowers) }))
        .where('id', '=', room)
        .execute()
    }
    return true
  })
}
