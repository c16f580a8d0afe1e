/** Counters with a window, for rate and connection limits that hold across nodes. */
export interface RateLimiter {
  readonly kind: 'memory' | 'redis'
  /**
   * Counts one hit for key; false when the key already had `limit` hits in the window.
   * `lease` (a hot path: sends): across nodes, this node may take hits in chunks and spend
   * them locally (leases.ts): the limit still holds, sends on several nodes at once may be
   * refused a little early.
   */
  hit(key: string, limit: number, windowMs: number, lease?: boolean): Promise<boolean>
  /**
   * The key's hits in its current window and the ms until that window ends, without counting
   * one ({hits: 0, resetMs: 0} when it has none): lockouts and `Retry-After` read this.
   */
  peek(key: string): Promise<{ hits: number; resetMs: number }>
  close(): Promise<void>
}
