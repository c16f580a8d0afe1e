import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely'
import { createBlobTables } from './blobs'
import { createBlocksTable } from './blocks'
import { addReactionColumns } from './reactions'
import { createMentionsTable } from './mentions'
import { MESSAGE_CID_CONSTRAINT } from './schema'
import type { UntypedDb } from './schema'

type Dialect = 'sqlite' | 'postgres'

/**
 * Migrations live in code so a built server needs no migration files on disk. Names sort
 * in the order they run; never edit one that has shipped — add the next.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': {
      async up(db: UntypedDb) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('avatar', 'text')
          .addColumn('openid', 'text', (c) => c.unique())
          .addColumn('banned_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute()

        // last_seq is rewritten on every message: in Postgres leave room on each page so
        // those updates stay HOT (no index churn, less bloat).
        await db.schema
          .createTable('rooms')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.references('users.id'))
          .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .$call((b) => (dialect === 'postgres' ? b.modifyEnd(sql`with (fillfactor = 70)`) : b))
          .execute()

        await db.schema
          .createTable('members')
          .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('muted_until', 'bigint')
          .addColumn('joined_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('members_pkey', ['room_id', 'user_id'])
          .execute()
        await db.schema.createIndex('members_user_idx').on('members').column('user_id').execute()

        await db.schema
          .createTable('kicks')
          .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('until', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('kicks_pkey', ['room_id', 'user_id'])
          .execute()

        await db.schema
          .createTable('messages')
          .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('cid', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('ts', 'bigint', (c) => c.notNull())
          .addColumn('recalled', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('messages_pkey', ['room_id', 'seq'])
          .addUniqueConstraint(MESSAGE_CID_CONSTRAINT, ['room_id', 'sender_id', 'cid'])
          .execute()

        await db.schema
          .createTable('audit')
          .$call((b) =>
            dialect === 'postgres'
              ? b.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
              : b.addColumn('id', 'integer', (c) => c.primaryKey()),
          )
          .addColumn('actor_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('room_id', 'text')
          .addColumn('target_id', 'text')
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('ts', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('audit_room_idx').on('audit').columns(['room_id', 'id']).execute()
      },
    },
    '0002-host-control': { up: (db: UntypedDb) => hostControl(db, dialect) },
    '0003-blocks': { up: (db: UntypedDb) => createBlocksTable(db) },
    '0004-uploads': { up: (db: UntypedDb) => createBlobTables(db, dialect) },
    '0005-reactions': { up: (db: UntypedDb) => addReactionColumns(db) },
    '0006-mentions': { up: (db: UntypedDb) => createMentionsTable(db) },
  }
}

/**
 * v1.1 §A/§B/§C: roles and mutes move off the membership row (so they outlive leave/join),
 * rooms gain their settings and the counters the room list and RoomInfo read, and answers
 * point at their question. Today's admins and mutes are carried over before the old
 * columns go.
 */
async function hostControl(db: UntypedDb, dialect: Dialect): Promise<void> {
  const json = (col: string, key: string) =>
    dialect === 'postgres' ? sql.raw(`(${col}::json->>'${key}')::bigint`) : sql.raw(`json_extract(${col}, '$.${key}')`)

  await db.schema
    .createTable('room_roles')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_roles_pkey', ['room_id', 'user_id'])
    .execute()
  await db.schema
    .createTable('mutes')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('until', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mutes_pkey', ['room_id', 'user_id'])
    .execute()

  // Constant defaults: Postgres adds these without rewriting the table.
  const rooms = db.schema.alterTable('rooms')
  await rooms.addColumn('access', 'text', (c) => c.notNull().defaultTo('open')).execute()
  await rooms.addColumn('muted_all', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await rooms.addColumn('announcement_text', 'text').execute()
  await rooms.addColumn('announcement_by', 'text').execute()
  await rooms.addColumn('announcement_ts', 'bigint').execute()
  await rooms.addColumn('invite_code', 'text').execute()
  await rooms.addColumn('last_text_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await rooms.addColumn('likes', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await rooms.addColumn('flowers', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('messages').addColumn('answer_to', 'bigint').execute()

  // Carry over: owners (rooms.owner_id is already the owner; a members row said so too),
  // admins, mutes still running, and the counters of the messages already stored.
  await sql`update rooms set owner_id = (select min(mb.user_id) from members mb where mb.room_id = rooms.id and mb.role = 'owner')
    where owner_id is null and exists (select 1 from members mb where mb.room_id = rooms.id and mb.role = 'owner')`.execute(db)
  await sql`insert into room_roles (room_id, user_id, role, ts)
    select room_id, user_id, 'admin', joined_at from members where role = 'admin'`.execute(db)
  await sql`insert into mutes (room_id, user_id, until)
    select room_id, user_id, muted_until from members where muted_until is not null`.execute(db)
  await sql`update messages set answer_to = ${json('body', 'question')} where kind = 'answer' and recalled = 0`.execute(db)
  await sql`update rooms set
    last_text_seq = coalesce((select max(m.seq) from messages m where m.room_id = rooms.id and m.kind not in ('like', 'flower')), 0),
    likes = (select count(*) from messages m where m.room_id = rooms.id and m.kind = 'like' and m.recalled = 0),
    flowers = coalesce((select sum(coalesce(${json('m.body', 'count')}, 1)) from messages m
                        where m.room_id = rooms.id and m.kind = 'flower' and m.recalled = 0), 0)`.execute(db)

  await db.schema.alterTable('members').dropColumn('role').execute()
  await db.schema.alterTable('members').dropColumn('muted_until').execute()

  // §C: questions of a room in seq order, and the answers to a question, without scanning
  // the room. Partial, so the likes and texts that make up most rows cost nothing here.
  // Queries name the kind as a literal (not a parameter) so both planners can use them.
  await db.schema
    .createIndex('messages_questions_idx')
    .on('messages')
    .columns(['room_id', 'seq'])
    .where(sql.ref('kind'), '=', 'question')
    .execute()
  await db.schema
    .createIndex('messages_answers_idx')
    .on('messages')
    .columns(['room_id', 'answer_to'])
    .where(sql.ref('answer_to'), 'is not', null)
    .execute()
}

/**
 * Brings the schema to the latest version. Safe when several nodes start at once: Kysely
 * creates its bookkeeping tables race-tolerantly and runs the migrations under a lock (a
 * Postgres advisory lock, in one transaction with the DDL), so exactly one node applies
 * each migration and the others find it done. It runs on one connection with no statement
 * timeout: a migration of a big table, or the wait for another node's, may take a while.
 */
export async function runMigrations(db: UntypedDb, dialect: Dialect): Promise<void> {
  await db.connection().execute(async (conn) => {
    if (dialect === 'postgres') await sql`set statement_timeout = 0`.execute(conn)
    try {
      const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) }
      const { error, results } = await new Migrator({ db: conn, provider }).migrateToLatest()
      if (error) throw error
      const failed = results?.find((r) => r.status === 'Error')
      if (failed) throw new Error(`migration ${failed.migrationName} failed`)
    } finally {
      if (dialect === 'postgres') await sql`reset statement_timeout`.execute(conn).catch(() => {})
    }
  })
}
