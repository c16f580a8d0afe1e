import type { Kysely } from 'kysely'
import type { BatchRow } from './append-batcher'
import type { AppendEffects } from './append-effects'
import type { DB, MessagesTable } from './schema'
import type { NewMessage } from './types'

/**
 * What differs between SQLite and Postgres, kept as small as the dialects allow. Everything
 * else in the store is one Kysely implementation.
 */
export interface DialectOps {
  readonly name: 'sqlite' | 'postgres'
  /**
   * Takes the room's next seq and inserts the message with it, atomically: either both
   * happen or neither does (so a failed insert leaves no gap). Returns the seq, or null when
   * the room does not exist. A stored (room, sender, cid) makes it throw the driver's
   * unique violation, with nothing changed. `fx` is applied to the room in the same step.
   */
  insertMessage(db: Kysely<DB>, row: Omit<MessagesTable, 'seq'>, fx: AppendEffects): Promise<number | null>
  /**
   * Optional group commit (see append-batcher.ts): appends many rows in one atomic statement,
   * skipping rows whose (room, sender, cid) is stored or whose room or sender is missing.
   */
  appendBatch?(db: Kysely<DB>, rows: NewMessage[]): Promise<BatchRow[]>
  /** Errors after which a failed batch is retried row by row. */
  isBatchConflict?(err: unknown): boolean
  isUniqueViolation(err: unknown): boolean
  /** The database cannot be reached or cannot serve right now (as opposed to a bad query). */
  isUnavailable(err: unknown): boolean
}

/** Errors can arrive wrapped (AggregateError from dual-stack connects, `cause` chains). */
export function someError(err: unknown, test: (e: Error & { code?: unknown }) => boolean, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false
  if (test(err as Error & { code?: unknown })) return true
  if (err instanceof AggregateError && err.errors.some((e) => someError(e, test, depth + 1))) return true
  return err.cause !== undefined && someError(err.cause, test, depth + 1)
}
