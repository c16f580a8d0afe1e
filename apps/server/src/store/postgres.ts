import pg from 'pg'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { BatchRow } from './append-batcher'
import { appendEffects } from './append-effects'
import { someError, type DialectOps } from './dialect'
import { managedPool, types } from './postgres-pool'
import type { DB } from './schema'
import type { NewMessage } from './types'

export interface PostgresOptions {
  url: string
  /** Connections per node; nodes × poolMax must stay under the server's max_connections. */
  poolMax?: number
  onError?: (err: Error) => void
}

// SQLSTATE classes meaning "can't serve now": 08 connection exception, 53 insufficient
// resources, 57P0x shutdown / cannot connect now, 58 system (I/O) error, 57014 statement
// timeout, 25006 read-only transaction (we reached a standby after a failover).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|58)|^57014$|^25006$/
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
])
// pg and pg-pool report lost or unobtainable connections as plain Errors without a code.
// "…is not currently accepting connections" (ALLOW_CONNECTIONS false, a database being
// dropped or restored) is SQLSTATE 55000, a class that otherwise means a programming error.
const UNAVAILABLE_MESSAGE = new RegExp(
  [
    'Connection terminated',
    '^timeout expired$',
    'timeout exceeded when trying to connect',
    'not queryable',
    'Cannot use a pool after calling end',
    'Query read timeout',
    'connection has been discarded',
    'not currently accepting connections',
  ].join('|'),
  'i',
)

export const postgresOps: DialectOps = {
  name: 'postgres',

  async insertMessage(db, row, fx) {
    // One autocommit statement: the UPDATE takes the room's row lock (serialising seqs
    // across nodes) and the INSERT uses its result. A unique violation aborts the whole
    // statement, increment included, so there is no gap — and it costs one round trip.
    // §D: a message with mentions indexes them in the same statement.
    const { rows } = await sql<{ seq: number }>`
      with bump as (
        update rooms set last_seq = last_seq + 1, ${roomEffects(fx.text, fx.likes, fx.flowers)}
        where id = ${row.room_id} returning last_seq
      ),
      ins as (
        insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled, answer_to)
        select ${row.room_id}, last_seq, ${row.sender_id}, ${row.cid}, ${row.kind}, ${row.body},
          ${row.ts}::bigint, ${row.recalled}::integer, ${row.answer_to}::bigint
        from bump
        returning seq
      )${mentionsCte(row.room_id, fx.mentions)}
      select seq from ins`.execute(db)
    return rows.length ? rows[0].seq : null
  },

  async appendBatch(db, rows) {
    if (rows.length === 1) return [await appendRow(db, rows[0])]
    const fx = rows.map((r) => appendEffects(r.kind, r.body, r.senderId))
    const { rows: out } = await sql<{ seq: number | null; name: string | null; avatar: string | null; user_found: boolean }>`
      with input as (
        select t.room_id, t.sender_id, t.cid, t.kind, t.body, t.ts, t.answer_to, t.is_text, t.likes, t.flowers, t.mentions, t.ord
        from unnest(${rows.map((r) => r.room)}::text[], ${rows.map((r) => r.senderId)}::text[], ${rows.map((r) => r.cid)}::text[],
                    ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => JSON.stringify(r.body))}::text[],
                    ${rows.map((r) => r.ts)}::bigint[],
                    ${fx.map((e) => e.answerTo)}::bigint[], ${fx.map((e) => (e.text ? 1 : 0))}::int[],
                    ${fx.map((e) => e.likes)}::int[], ${fx.map((e) => e.flowers)}::int[],
                    ${fx.map((e) => (e.mentions.length ? JSON.stringify(e.mentions) : null))}::text[])
             with ordinality as t(room_id, sender_id, cid, kind, body, ts, answer_to, is_text, likes, flowers, mentions, ord)
      ),
      -- The lookups are LATERAL … LIMIT 1 so that each is an index probe per input row: as a
      -- plain (NOT) EXISTS the planner may pick a hash anti-join, and a cached generic plan
      -- made while the tables were small then reads the room's every message per batch.
      fresh as (
        select i.*, row_number() over (partition by i.room_id order by i.ord) as rn from input i
        join lateral (select 1 as found from users u where u.id = i.sender_id limit 1) su on true
        left join lateral (
          select 1 as dup from messages m where m.room_id = i.room_id and m.sender_id = i.sender_id and m.cid = i.cid limit 1
        ) d on true
        where d.dup is null
      ),
      -- t: the position (among this batch's rows of the room) of its last non-like message.
      counts as (
        select room_id, count(*)::int as n, max(case when is_text = 1 then rn end)::int as t,
               sum(likes)::int as likes, sum(flowers)::int as flowers
        from fresh group by room_id
      ),
      -- Room rows are locked in id order, so two batches (or nodes) cannot deadlock on them.
      locked as materialized (select id from rooms where id in (select room_id from counts) order by id for update),
      bump as (
        update rooms r set last_seq = r.last_seq + c.n,
               last_text_seq = case when c.t is null then r.last_text_seq else r.last_seq + c.t end,
               likes = r.likes + c.likes, flowers = r.flowers + c.flowers
        from counts c
        where r.id = c.room_id and r.id in (select id from locked)
        returning r.id, r.last_seq, c.n
      ),
      numbered as (
        select f.room_id, f.sender_id, f.cid, f.kind, f.body, f.ts, f.answer_to, f.mentions, (b.last_seq - b.n + f.rn)::int as seq
        from fresh f join bump b on b.id = f.room_id
      ),
      ins as (
        insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled, answer_to)
        select room_id, seq, sender_id, cid, kind, body, ts, 0, answer_to from numbered
        returning room_id, sender_id, cid, seq
      ),
      -- §D: only rows stored by this statement (fresh skips stored cids, so a retry adds none).
      men as (
        insert into mentions (room_id, user_id, seq)
        select n.room_id, j.id, n.seq from numbered n cross join lateral json_array_elements_text(n.mentions::json) as j(id)
        where n.mentions is not null
        on conflict do nothing
      )
      select ins.seq, u.name, u.avatar, (u.found is not null) as user_found
      from input i
      left join ins on ins.room_id = i.room_id and ins.sender_id = i.sender_id and ins.cid = i.cid
      left join lateral (select name, avatar, 1 as found from users where id = i.sender_id limit 1) u on true
      order by i.ord`.execute(db)
    return out.map((r) => ({ seq: r.seq, name: r.name, avatar: r.avatar, userFound: r.user_found }))
  },

  // Another writer stored the same cid meanwhile (23505), or a lock cycle (40P01, 40001).
  isBatchConflict: (err) => someError(err, (e) => e.code === '23505' || e.code === '40P01' || e.code === '40001'),

  isUniqueViolation: (err) => someError(err, (e) => e.code === '23505'),

  isUnavailable: (err) =>
    someError(err, (e) => {
      if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || NET_CODES.has(e.code))) return true
      return UNAVAILABLE_MESSAGE.test(e.message)
    }),
}

/**
 * appendBatch for one row (the common case below saturation): the same outcome as the batch
 * statement — sender looked up, a stored cid skipped, seq and insert atomic — without its
 * unnest and window functions, which cost Postgres more than they save for a single row.
 */
async function appendRow(db: Parameters<NonNullable<DialectOps['appendBatch']>>[0], r: NewMessage): Promise<BatchRow> {
  const fx = appendEffects(r.kind, r.body, r.senderId)
  const { rows } = await sql<{ seq: number | null; name: string | null; avatar: string | null; user_found: boolean }>`
    with u as (select name, avatar from users where id = ${r.senderId}),
    bump as (
      update rooms set last_seq = last_seq + 1, ${roomEffects(fx.text, fx.likes, fx.flowers)}
      where id = ${r.room} and exists (select 1 from u)
        and not exists (select 1 from messages where room_id = ${r.room} and sender_id = ${r.senderId} and cid = ${r.cid})
      returning last_seq
    ),
    ins as (
      insert into messages (room_id, seq, sender_id, cid, kind, body, ts, recalled, answer_to)
      select ${r.room}, last_seq, ${r.senderId}, ${r.cid}, ${r.kind}, ${JSON.stringify(r.body)},
        ${r.ts}::bigint, 0, ${fx.answerTo}::bigint from bump
      returning seq
    )${mentionsCte(r.room, fx.mentions)}
    select (select seq from ins) as seq, (select name from u) as name, (select avatar from u) as avatar,
           exists (select 1 from u) as user_found`.execute(db)
  const row = rows[0]
  return { seq: row.seq, name: row.name, avatar: row.avatar, userFound: row.user_found }
}

/**
 * The SET items a stored message adds to its room's row besides last_seq (the right-hand
 * sides read the row as it was, so `last_seq + 1` is the new seq). Literal SQL per case:
 * a handful of statement texts, each prepared once.
 */
function roomEffects(text: boolean, likes: number, flowers: number) {
  return sql.join([
    text ? sql`last_text_seq = last_seq + 1` : sql`last_text_seq = last_text_seq`,
    sql`likes = likes + ${sql.lit(likes)}`,
    sql`flowers = flowers + ${flowers}::bigint`,
  ])
}

/**
 * §D: `, men as (insert into mentions …)` for the statement's `ins` CTE (which returns the
 * stored seq, or no row for a duplicate), or nothing when the message mentions nobody —
 * so messages without mentions keep their statement text.
 */
function mentionsCte(room: string, userIds: string[]) {
  if (userIds.length === 0) return sql``
  return sql`,
      men as (
        insert into mentions (room_id, user_id, seq)
        select ${room}, u.id, ins.seq from ins cross join unnest(${userIds}::text[]) as u(id)
        on conflict do nothing
      )`
}

/**
 * pg-pool's connectionTimeoutMillis bounds both opening a connection and waiting in the
 * queue for a free one. Those want different limits: a connect that takes over 2 s means the
 * database is gone (answer `unavailable` fast, keep /readyz quick), while under a burst a
 * query may rightly wait longer for a pooled connection. So the client gets the short
 * connect timeout and the pool the longer queue wait.
 */
const CONNECT_TIMEOUT_MS = 2000
const QUEUE_TIMEOUT_MS = 10_000

class Client extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  }
}

export function openPostgres(opts: PostgresOptions): Kysely<DB> {
  const onError = opts.onError ?? (() => {})
  const pool = new pg.Pool({
    Client,
    connectionString: opts.url,
    max: opts.poolMax ?? 10,
    connectionTimeoutMillis: QUEUE_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: 15_000,
    // The unread counts make listRooms look costly to the planner, and JIT-compiling it
    // costs tens of ms for a query that runs in one: this is an OLTP workload.
    options: '-c jit=off',
    application_name: 'chat-server',
    types: types as pg.CustomTypesConfig,
  })
  // An idle client whose server went away emits 'error' on the pool (which drops it); a
  // checked-out client between queries emits on itself. Unhandled, either would crash the
  // process; the next query on such a client fails and surfaces as StoreUnavailableError.
  pool.on('error', onError)
  pool.on('connect', (client) => client.on('error', () => {}))
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: managedPool(pool) }) })
}
