import { KyselyStore } from './kysely-store'
import { openPostgres, postgresOps } from './postgres'
import { openSqlite, sqliteOps } from './sqlite'
import type { Store } from './types'

export * from './types'

export interface StoreOptions {
  /** DATABASE_URL: unset or empty → SQLite in dataDir; postgres:// or postgresql:// → Postgres. */
  databaseUrl?: string
  /** DATA_DIR: where the SQLite file `chat.db` lives (created if missing). */
  dataDir: string
  /** Postgres connections per node (default 10). */
  poolMax?: number
  /** SQLite: how long to wait for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number
  /** SQLite: FULL (default, fsync per commit: acks survive a power loss) or NORMAL (a process crash only). */
  sqliteSynchronous?: 'NORMAL' | 'FULL'
  /** Errors of idle pooled connections (the server restarted, the network dropped). */
  onPoolError?: (err: Error) => void
}

/**
 * Opens the store the settings name. Nothing is queried yet: call `migrate()` (which also
 * proves the database answers) before use. A Postgres that is down makes the calls reject
 * with StoreUnavailableError rather than making this throw.
 */
export async function createStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl?.trim()
  if (!url) {
    const db = openSqlite({ dataDir: opts.dataDir, busyTimeoutMs: opts.busyTimeoutMs, synchronous: opts.sqliteSynchronous })
    return new KyselyStore(db, sqliteOps)
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const db = openPostgres({ url, poolMax: opts.poolMax, onError: opts.onPoolError })
    return new KyselyStore(db, postgresOps)
  }
  // Never echo the URL itself: it may carry a password.
  throw new Error(
    'DATABASE_URL must be a postgres:// or postgresql:// URL (or unset for SQLite in DATA_DIR); ' +
      `got ${scheme ? `a ${scheme}: URL` : 'no URL scheme'}`,
  )
}
