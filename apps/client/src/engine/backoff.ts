// Reconnect delays: exponential backoff with "full jitter" (AWS architecture blog), so a
// server restart does not bring every client back in the same instant.

export interface BackoffOptions {
  /** Delay window of the first retry, ms. */
  baseMs: number
  /** Largest delay window, ms. */
  capMs: number
}

export const defaultBackoff: BackoffOptions = { baseMs: 1000, capMs: 30_000 }

/** Upper bound of the delay window for a given attempt (0 = first retry). */
export function backoffWindow(attempt: number, opts: BackoffOptions = defaultBackoff): number {
  // 2 ** 30 already exceeds any sane cap; clamping keeps the math finite for huge attempts.
  const exp = Math.min(Math.max(0, attempt), 30)
  return Math.min(opts.capMs, opts.baseMs * 2 ** exp)
}

/** A delay drawn uniformly from [0, window). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  return Math.floor(random() * backoffWindow(attempt, opts))
}
