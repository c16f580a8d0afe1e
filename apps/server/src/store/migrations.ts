import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely'
import { MESSAGE_CID_CONSTRAINT } from './schema'

type Dialect = 'sqlite' | 'postgres'

/**
 * Migrations live in code so a built server needs no migration files on disk. Names sort
 * in the order they run; never edit one that has shipped — add the next.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': {
      async up(db: Kysely<any>) {
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
  }
}

/**
 * Brings the schema to the latest version. Safe when several nodes start at once: Kysely
 * creates its bookkeeping tables race-tolerantly and runs the migrations under a lock (a
 * Postgres advisory lock, in one transaction with the DDL), so exactly one node applies
 * each migration and the others find it done. It runs on one connection with no statement
 * timeout: a migration of a big table, or the wait for another node's, may take a while.
 */
export async function runMigrations(db: Kysely<any>, dialect: Dialect): Promise<void> {
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
