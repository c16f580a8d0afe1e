import type { Message } from '@chat/protocol'
import type { AppendResult, NewMessage } from './types'

/** What the dialect's batch statement says about one appended row, in input order. */
export interface BatchRow {
  /** The stored seq, or null when nothing was inserted (duplicate, missing room or user). */
  seq: number | null
  /** null when the sender does not exist. */
  name: string | null
  avatar: string | null
  userFound: boolean
}

export interface BatcherDeps {
  /** One atomic statement for all rows: all of it is applied, or none of it. */
  appendBatch(rows: NewMessage[]): Promise<BatchRow[]>
  /** The one-by-one path: handles every case (duplicates, races) on its own. */
  appendOne(m: NewMessage): Promise<AppendResult>
  findByCid(room: string, senderId: string, cid: string): Promise<Message | null>
  /** Errors after which the rows are retried one by one (unique violation, deadlock). */
  isRetryable(err: unknown): boolean
}

interface Item {
  m: NewMessage
  key: string
  resolve(r: AppendResult): void
  reject(err: unknown): void
}

/**
 * Group commit for appends. The first append goes out at once; appends that arrive while
 * `maxInFlight` batches are at the database wait and then leave together in one statement
 * (one round trip, one commit, one WAL flush). Nobody is acked before their batch commits,
 * so ack-after-durable holds, and a batch is one transaction, so a failure leaves no gap.
 * At low load every batch is a single row and nothing waits.
 *
 * A room has at most one batch in flight: its appends serialise on the room's row lock
 * anyway, so a second batch would only wait for the first one's commit inside Postgres.
 * Held back here instead, they grow the room's next batch while the commit is in flight —
 * one hot room then costs one commit per round trip, not one per message — and seqs
 * follow arrival order on this node. Other rooms' appends go out beside it.
 */
export class AppendBatcher {
  private readonly queue: Item[] = []
  private inFlight = 0
  /** Rooms with a batch at the database. */
  private readonly busy = new Set<string>()

  constructor(
    private readonly d: BatcherDeps,
    private readonly maxInFlight = 4,
    private readonly maxBatch = 256,
  ) {}

  append(m: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ m, key: `${m.room}\u0000${m.senderId}\u0000${m.cid}`, resolve, reject })
      // A busy room's append leaves when its batch commits (pump runs then): scanning the
      // queue for it now would cost O(queue) per append while the database is slow.
      if (this.inFlight < this.maxInFlight && !this.busy.has(m.room)) this.pump()
    })
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take()
      if (batch.length === 0) return // every waiting room has a batch in flight
      const rooms = new Set(batch.map((i) => i.m.room))
      for (const r of rooms) this.busy.add(r)
      this.inFlight++
      void this.run(batch).finally(() => {
        for (const r of rooms) this.busy.delete(r)
        this.inFlight--
        this.pump()
      })
    }
  }

  /**
   * Up to maxBatch items of rooms without a batch in flight, in arrival order, at most one
   * per dedupe key (a repeat waits for the next batch).
   */
  private take(): Item[] {
    const batch: Item[] = []
    const keys = new Set<string>()
    const rest: Item[] = []
    for (const item of this.queue) {
      if (batch.length < this.maxBatch && !keys.has(item.key) && !this.busy.has(item.m.room)) {
        keys.add(item.key)
        batch.push(item)
      } else rest.push(item)
    }
    this.queue.splice(0, this.queue.length, ...rest)
    return batch
  }

  private async run(batch: Item[]): Promise<void> {
    let rows: BatchRow[]
    try {
      rows = await this.d.appendBatch(batch.map((i) => i.m))
    } catch (err) {
      if (!this.d.isRetryable(err)) {
        for (const i of batch) i.reject(err)
        return
      }
      rows = []
    }
    // The batch raced another writer (same cid from elsewhere, a deadlock): nothing of it
    // was applied, and the one-by-one path sorts each row out.
    // One after another, so the rows keep their order of seqs.
    if (rows.length !== batch.length) {
      for (const i of batch) await this.d.appendOne(i.m).then(i.resolve, i.reject)
      return
    }
    await Promise.all(batch.map((item, k) => this.settle(item, rows[k])))
  }

  private async settle(item: Item, row: BatchRow): Promise<void> {
    const { m } = item
    try {
      if (!row.userFound) throw new Error(`appendMessage: user ${JSON.stringify(m.senderId)} does not exist`)
      if (row.seq !== null) {
        const message: Message = {
          room: m.room,
          seq: row.seq,
          cid: m.cid,
          from: { id: m.senderId, name: row.name!, avatar: row.avatar },
          kind: m.kind,
          body: m.body,
          ts: m.ts,
        }
        return item.resolve({ message, duplicate: false })
      }
      // Not inserted: stored before (a retry), or the room does not exist.
      const original = await this.d.findByCid(m.room, m.senderId, m.cid)
      if (original) return item.resolve({ message: original, duplicate: true })
      throw new Error(`appendMessage: room ${JSON.stringify(m.room)} does not exist`)
    } catch (err) {
      item.reject(err)
    }
  }
}
