import pg from 'pg'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { someError } from './dialect'

// The pg pool as Kysely sees it (openPostgres in postgres.ts builds it).

const INT8_OID = 20

/**
 * bigint columns (ms timestamps, seqs, count(*)) come back as JS numbers: they stay far
 * below 2^53. Set per pool, not on pg's global parser, so other pg users are unaffected.
 */
export const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v)
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format)
  },
}

// A connection that died under a query: its pool-mates were most likely cut by the same event.
const CONNECTION_LOSS = /Connection terminated unexpectedly|not queryable/i
function isConnectionLoss(err: unknown): boolean {
  return someError(err, (e) => {
    if (typeof e.code === 'string' && (/^(08|57P0)/.test(e.code) || e.code === 'ECONNRESET' || e.code === 'EPIPE')) return true
    return CONNECTION_LOSS.test(e.message)
  })
}

interface TrackedClient extends PostgresPoolClient {
  /** The loss epoch this connection is known to have outlived. */
  epoch: number
}

/**
 * Wraps the pg pool for Kysely with two things pg does not do:
 *
 * - Every parameterised query runs as a named prepared statement, so Postgres parses and
 *   plans each distinct SQL text once per connection. Names map 1:1 to texts for the life
 *   of the process (pg refuses a name reused for another text); past `max` texts, unnamed.
 * - After a connection is lost mid-query (server restart, failover, pg_terminate_backend),
 *   idle connections from before that moment are dropped at checkout instead of being
 *   trusted: otherwise each stale one would fail one more call before the pool notices.
 */
export function managedPool(pool: pg.Pool, max = 1000): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string) => {
    let name = names.get(text)
    if (name === undefined && names.size < max) names.set(text, (name = `k${names.size}`))
    return name
  }
  let lossEpoch = 0
  const tracked = new WeakMap<pg.PoolClient, TrackedClient>()

  function track(client: pg.PoolClient): TrackedClient {
    const t: TrackedClient = {
      epoch: lossEpoch,
      // Kysely's cursor form (streaming, unused here) passes through untouched.
      query: ((text: unknown, values?: unknown[]) => {
        const run =
          typeof text === 'string' && values && values.length > 0
            ? client.query({ text, values, name: nameFor(text) })
            : client.query(text as never, values)
        if (!(run instanceof Promise)) return run
        return run.then(
          (res) => {
            t.epoch = lossEpoch
            return res
          },
          (err: unknown) => {
            if (isConnectionLoss(err)) lossEpoch++
            throw err
          },
        )
      }) as unknown as PostgresPoolClient['query'],
      // pg-pool swaps client.release on every checkout: look it up at call time.
      release: (destroy?: boolean) => client.release(destroy),
    }
    tracked.set(client, t)
    return t
  }

  return {
    async connect() {
      for (;;) {
        const client = await pool.connect()
        const t = tracked.get(client) ?? track(client)
        if (t.epoch >= lossEpoch) return t
        client.release(true)
      }
    },
    end: () => pool.end(),
  }
}
