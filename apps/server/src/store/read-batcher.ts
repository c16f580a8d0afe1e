/**
 * Batches calls that arrive while the previous batch is at the database: the first call
 * goes out at once, calls made meanwhile wait and leave together as one statement when it
 * returns (`maxInFlight` batches at a time). A class joining at 9:00 makes hundreds of
 * joins within milliseconds; on Postgres each statement is a syscall, a backend wake-up and
 * a parse of its parameters, so one statement for a batch costs little more than one for
 * a single call. At low load every batch is one call and nothing waits.
 *
 * Every call's batch starts after the call was made, so what it reads is at least as new
 * as a read of its own would have been (a join's reads must follow its subscribe).
 * Calls with the same `key` share one slot of the batch and its result.
 */
export class ReadBatcher<I, O> {
  private waiting = new Map<string, { item: I; settle: Array<{ resolve(o: O): void; reject(e: unknown): void }> }>()
  private inFlight = 0

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly keyOf: (item: I) => string,
    private readonly maxInFlight = 1,
    private readonly maxBatch = 500,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const key = this.keyOf(item)
      const slot = this.waiting.get(key)
      if (slot) slot.settle.push({ resolve, reject })
      else this.waiting.set(key, { item, settle: [{ resolve, reject }] })
      if (this.inFlight < this.maxInFlight) this.pump()
    })
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.size > 0) {
      const slots = [...this.waiting.values()].slice(0, this.maxBatch)
      if (slots.length === this.waiting.size) this.waiting = new Map()
      else for (const s of slots) this.waiting.delete(this.keyOf(s.item))
      this.inFlight++
      void this.flush(slots).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async flush(slots: Array<{ item: I; settle: Array<{ resolve(o: O): void; reject(e: unknown): void }> }>): Promise<void> {
    try {
      const out = await this.run(slots.map((s) => s.item))
      slots.forEach((s, i) => {
        for (const w of s.settle) w.resolve(out[i])
      })
    } catch (err) {
      for (const s of slots) for (const w of s.settle) w.reject(err)
    }
  }
}
