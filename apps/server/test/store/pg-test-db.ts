import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The machine's test Postgres (trust auth); override with TEST_PG_URL. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  name: string
  url: string
  /** Runs SQL as the admin user against this database (a separate connection each time). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  drop(): Promise<void>
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** A database of its own (chat_t_<random>) so test files never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chat_t_${randomBytes(6).toString('hex')}`
  await withAdmin(PG_ADMIN_URL, (c) => c.query(`create database ${name}`))
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${name}`
  const url = u.toString()
  return {
    name,
    url,
    query: (text, values) => withAdmin(url, (c) => c.query(text, values)),
    // FORCE ends the backends of pools a failed test may have left open.
    drop: () => withAdmin(PG_ADMIN_URL, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  }
}
