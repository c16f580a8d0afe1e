import { sql, type Kysely } from 'kysely'
import type { DB, UntypedDb } from './schema'

// v1.1 §B reaction totals. They live on the room row next to the like/flower *message*
// counters (rooms.likes/flowers, kept at append/recall time), and are written by the
// reaction service at most once a second per room, not once per tap.

/** Migration 0005: the two counters, 0 for every room that exists. */
export async function addReactionColumns(db: UntypedDb): Promise<void> {
  // Constant defaults: Postgres adds these without rewriting the table.
  await db.schema
    .alterTable('rooms')
    .addColumn('reaction_likes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .alterTable('rooms')
    .addColumn('reaction_flowers', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
}

/**
 * Stores a room's reaction totals. Reactions only ever add, so a write never lowers a
 * counter: two nodes' writes arriving out of order (or a node seeded from an older copy)
 * cannot take the totals back.
 */
export async function saveReactionTotals(
  db: Kysely<DB>,
  dialect: 'sqlite' | 'postgres',
  roomId: string,
  likes: number,
  flowers: number,
): Promise<void> {
  const max = dialect === 'postgres' ? 'greatest' : 'max'
  await db
    .updateTable('rooms')
    .set({
      reaction_likes: sql`${sql.raw(max)}(reaction_likes, ${likes})`,
      reaction_flowers: sql`${sql.raw(max)}(reaction_flowers, ${flowers})`,
    })
    .where('id', '=', roomId)
    .execute()
}
