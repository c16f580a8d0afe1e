/**
 * Periodic work over many items, spread over its period in `n` slices, one slice a tick
 * (pinging 5000 sockets or renewing 5000 leases at once stalls a node). Slices are due by
 * the clock, not by the count of timer calls: a timer that fired late (a busy event loop)
 * catches up with every slice it missed, so each item is still visited once per period
 * plus at most one tick's lateness. An item's slice must not change while it lives (its
 * place in a Set does: a sweep by position skips or repeats items as others come and go),
 * so it is derived from the item's key (`sliceOf`).
 */
export class SliceClock {
  private done = 0

  constructor(
    readonly n: number,
    private readonly tickMs: number,
    private readonly start = Date.now(),
  ) {}

  /** The slices (0 … n-1) due since the last call, now marked done. */
  due(now = Date.now()): Set<number> {
    const upTo = Math.floor((now - this.start) / this.tickMs) + 1
    const count = Math.min(this.n, upTo - this.done)
    const slices = new Set<number>()
    for (let k = 0; k < count; k++) slices.add((this.done + k) % this.n)
    this.done = upTo
    return slices
  }

  /** The slice of the item with this key: the same on every tick (FNV-1a). */
  sliceOf(key: string): number {
    let h = 0x811c9dc5
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
    return (h >>> 0) % this.n
  }
}

/**
 * Keys grouped by their slice, so a tick visits only the keys due (iterating every key
 * each tick, hashing each, was most of what an idle node allocated for renewals).
 */
export class SlicedKeys {
  private readonly buckets: Set<string>[]

  constructor(private readonly clock: SliceClock) {
    this.buckets = Array.from({ length: clock.n }, () => new Set<string>())
  }

  add(key: string): void {
    this.buckets[this.clock.sliceOf(key)].add(key)
  }

  delete(key: string): void {
    this.buckets[this.clock.sliceOf(key)].delete(key)
  }

  /** The keys of these slices. */
  *in(slices: Iterable<number>): Generator<string> {
    for (const s of slices) yield* this.buckets[s]
  }
}
