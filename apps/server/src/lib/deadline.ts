/**
 * Time limits on calls to things that may hang (Redis, the store): one race, one back-off.
 * The timers never keep the process alive, and a late failure of the raced promise is
 * swallowed, so a call that lost the race cannot become an unhandled rejection.
 */

/** Rejects with `error` (an Error, or `"<what>: did not answer within N ms"`) unless `p` settles within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, error: string | (() => Error)): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(typeof error === 'string' ? new Error(`${error}: did not answer within ${ms} ms`) : error()), ms)
    timer.unref()
  })
  p.catch(() => {})
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** Waits for `p` to settle or `ms` to pass, whichever is first; never rejects. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(p, ms, 'wait').catch(() => {})
}

export interface BackoffOptions {
  /** A call slower than this counts as failed. */
  timeoutMs: number
  /** After a failure, how long callers skip the dependency and use their fallback. */
  retryMs: number
  /** Names the dependency in timeout errors. */
  what: string
  onError?(err: unknown, what: string): void
}

/**
 * "Timeout + down-until": a dependency that failed (or answered late) is left alone for
 * `retryMs`, so callers fall back at once instead of each waiting out its own timeout.
 */
export class Backoff {
  private downUntil = 0

  constructor(private readonly o: BackoffOptions) {}

  /** Whether the dependency failed within the last `retryMs`. */
  get down(): boolean {
    return Date.now() < this.downUntil
  }

  /**
   * Runs `call` within the timeout. A failure marks the dependency down and is rethrown;
   * while it is down the call is not made (an Error is thrown at once) unless `evenIfDown`.
   */
  async run<T>(call: () => Promise<T>, what = this.o.what, evenIfDown = false): Promise<T> {
    if (!evenIfDown && this.down) throw new Error(`${what}: skipped while degraded`)
    try {
      return await withTimeout(call(), this.o.timeoutMs, what)
    } catch (err) {
      this.fail(err, what)
      throw err
    }
  }

  /** Marks the dependency down after a failure seen elsewhere. */
  fail(err: unknown, what = this.o.what): void {
    this.downUntil = Date.now() + this.o.retryMs
    this.o.onError?.(err, what)
  }
}
