/**
 * A node's leases on shared rate-limit counters (RedisRateLimiter with `lease`). A send
 * costs a Redis script call when counted one by one; a user who keeps sending instead
 * takes hits from Redis in growing chunks (1, 2, 4 … up to a limit/8) and spends them here.
 * A lease ends with the counter's window. The count in Redis is never below the sends
 * allowed, so the limit holds across nodes; a chunk not spent on one node can refuse the
 * user's sends on another a little early (at most limit/8 per node per window).
 */
interface Lease {
  /** The counter's window ends no earlier than this (ms since epoch). */
  until: number
  left: number
  /** The last chunk taken in this window. */
  chunk: number
  /** The counter reached the limit: once `left` is spent, every hit in this window is refused. */
  full: boolean
}

export class Leases {
  private readonly held = new Map<string, Lease>()
  private takes = 0

  /**
   * Answers a hit on `key` here when it can: true spends one hit of a lease, false when the
   * counter was already full for the rest of its window (a refusal changes nothing in a
   * fixed window); null when a chunk must be taken from the counter.
   */
  local(key: string, now: number): boolean | null {
    const l = this.held.get(key)
    if (!l || now >= l.until) return null
    if (l.left > 0) {
      l.left--
      return true
    }
    return l.full ? false : null
  }

  /** How many hits to take from the counter next. */
  chunk(key: string, limit: number, now: number): number {
    const l = this.held.get(key)
    const cap = Math.max(1, Math.floor(limit / 8))
    return l && now < l.until ? Math.min(cap, l.chunk * 2) : 1
  }

  /**
   * Records a take of `n` hits that brought the counter to `total`, its window ending in
   * `ttlMs` (measured from `now`, before the call): whether this hit is allowed, the rest
   * of the chunk within the limit is kept for the next ones.
   */
  took(key: string, n: number, total: number, limit: number, ttlMs: number, now: number): boolean {
    const granted = Math.max(0, Math.min(n, limit - (total - n)))
    this.held.set(key, { until: now + ttlMs, left: Math.max(0, granted - 1), chunk: n, full: total >= limit })
    if (++this.takes % 1000 === 0) this.sweep(now)
    return granted > 0
  }

  private sweep(now: number): void {
    for (const [key, l] of this.held) if (l.until <= now) this.held.delete(key)
  }
}
