import type { Kysely } from 'kysely'
import { toUser } from './rows'
import type { DB, UntypedDb } from './schema'
import type { UserRecord } from './records'

/**
 * v1.1 §H: who blocks whom, and the "do these two share a group room" test the dm rule
 * needs. Kept apart from schema.ts's DB so the table is this module's alone.
 */
export interface BlocksTable {
  blocker_id: string
  blocked_id: string
  ts: number
}

type BlocksDB = DB & { blocks: BlocksTable }

export interface BlockStore {
  /** Idempotent: blocking twice keeps the first time. */
  block(blockerId: string, blockedId: string, ts: number): Promise<void>
  unblock(blockerId: string, blockedId: string): Promise<void>
  /** The users `blockerId` blocks, oldest block first. */
  listBlocked(blockerId: string): Promise<UserRecord[]>
  isBlocked(blockerId: string, blockedId: string): Promise<boolean>
  /** Whether both users are current members of one group room. */
  shareGroupRoom(a: string, b: string): Promise<boolean>
}

type Run = <T>(fn: () => Promise<T>) => Promise<T>

export function blockQueries(kdb: Kysely<DB>, run: Run): BlockStore {
  const db = kdb as unknown as Kysely<BlocksDB>
  return {
    block: (blockerId, blockedId, ts) =>
      run(async () => {
        await db
          .insertInto('blocks')
          .values({ blocker_id: blockerId, blocked_id: blockedId, ts })
          .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
          .execute()
      }),
    unblock: (blockerId, blockedId) =>
      run(async () => {
        await db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).execute()
      }),
    listBlocked: (blockerId) =>
      run(async () => {
        const rows = await db
          .selectFrom('blocks')
          .innerJoin('users', 'users.id', 'blocks.blocked_id')
          .selectAll('users')
          .where('blocks.blocker_id', '=', blockerId)
          .orderBy('blocks.ts')
          .orderBy('users.id')
          .execute()
        return rows.map(toUser)
      }),
    isBlocked: (blockerId, blockedId) =>
      run(async () => {
        const r = await db
          .selectFrom('blocks')
          .select('ts')
          .where('blocker_id', '=', blockerId)
          .where('blocked_id', '=', blockedId)
          .executeTakeFirst()
        return r !== undefined
      }),
    shareGroupRoom: (a, b) =>
      run(async () => {
        const r = await db
          .selectFrom('members as ma')
          .innerJoin('members as mb', 'mb.room_id', 'ma.room_id')
          .innerJoin('rooms', 'rooms.id', 'ma.room_id')
          .select('ma.room_id')
          .where('ma.user_id', '=', a)
          .where('mb.user_id', '=', b)
          .where('rooms.kind', '=', 'group')
          .limit(1)
          .executeTakeFirst()
        return r !== undefined
      }),
  }
}

/** Migration 0003-blocks. */
export async function createBlocksTable(db: UntypedDb): Promise<void> {
  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('blocked_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pkey', ['blocker_id', 'blocked_id'])
    .execute()
}
