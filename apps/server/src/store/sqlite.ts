import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql, type SqliteDatabase } from 'kysely'
import { someError, type DialectOps } from './dialect'
import { insertMentions } from './mentions'
import type { DB } from './schema'

export interface SqliteOptions {
  dataDir: string
  /** How long a write waits for another process's lock before failing as unavailable. */
  busyTimeoutMs?: number
  /**
   * FULL (default): every commit is fsynced before it returns, so an acked message survives
   * a power loss and its seq is never handed out again. NORMAL (WAL) survives a crash of
   * the process only: a power cut can drop the last commits (SQLITE_SYNCHRONOUS=NORMAL).
   */
  synchronous?: 'NORMAL' | 'FULL'
}

// SQLite's result codes for "the database can't serve now": locked by another process past
// the busy timeout, I/O failure, disk full, file gone or read-only, out of memory.
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|PROTOCOL|NOTADB|CORRUPT)/

export const sqliteOps: DialectOps = {
  name: 'sqlite',

  async insertMessage(db, row, fx) {
    // BEGIN IMMEDIATE takes the write lock up front, so a second process on the same file
    // waits (busy_timeout) instead of failing with SQLITE_BUSY_SNAPSHOT halfway through.
    return db.connection().execute(async (c) => {
      await sql`begin immediate`.execute(c)
      try {
        const bumped = await c
          .updateTable('rooms')
          .set((eb) => ({
            last_seq: eb('last_seq', '+', 1),
            ...(fx.text ? { last_text_seq: eb('last_seq', '+', 1) } : {}),
            ...(fx.likes ? { likes: eb('likes', '+', fx.likes) } : {}),
            ...(fx.flowers ? { flowers: eb('flowers', '+', fx.flowers) } : {}),
          }))
          .where('id', '=', row.room_id)
          .returning('last_seq')
          .executeTakeFirst()
        if (bumped)
          await c
            .insertInto('messages')
            .values({ ...row, seq: bumped.last_seq })
            .execute()
        if (bumped) await insertMentions(c, row.room_id, bumped.last_seq, fx.mentions)
        await sql`commit`.execute(c)
        return bumped ? bumped.last_seq : null
      } catch (err) {
        // SQLite may already have rolled back (e.g. disk full); the first error is the one to report.
        await sql`rollback`.execute(c).catch(() => {})
        throw err
      }
    })
  },

  isUniqueViolation: (err) => someError(err, (e) => e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),

  isUnavailable: (err) =>
    someError(err, (e) => (typeof e.code === 'string' && UNAVAILABLE.test(e.code)) || e.message === 'The database connection is not open'),
}

/**
 * better-sqlite3 compiles a statement on every prepare(); Kysely prepares per query. Caching
 * by SQL text reuses the compiled statements (safe: the driver runs one at a time, never
 * iterating). Bounded so ad-hoc SQL cannot grow it forever.
 */
function withStatementCache(db: Database.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>()
  return {
    prepare(text) {
      let stmt = cache.get(text)
      if (!stmt) {
        stmt = db.prepare(text)
        if (cache.size >= max) cache.delete(cache.keys().next().value as string)
        cache.set(text, stmt)
      }
      return stmt
    },
    close() {
      cache.clear()
      db.close()
    },
  }
}

export function openSqlite(opts: SqliteOptions): Kysely<DB> {
  const file = join(opts.dataDir, 'chat.db')
  const busy = opts.busyTimeoutMs ?? 5000
  let raw: Database.Database | undefined
  try {
    mkdirSync(opts.dataDir, { recursive: true })
    raw = new Database(file, { timeout: busy })
    raw.pragma('journal_mode = WAL')
    raw.pragma(`synchronous = ${opts.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`)
    raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(busy))}`)
    raw.pragma('foreign_keys = ON')
    raw.pragma('temp_store = MEMORY')
    raw.pragma('cache_size = -32768') // KiB: 32 MiB of page cache
  } catch (err) {
    raw?.close()
    throw new Error(`DATA_DIR: cannot open the database ${file}: ${(err as Error).message}`, { cause: err })
  }
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) })
}
