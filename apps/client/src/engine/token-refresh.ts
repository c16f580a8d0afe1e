// Keeps a session's token young. A guest cannot log back in as the same user, so its token
// must never run out while the app is used: trade it for a fresh one once half its life
// has passed (checked on start too), and again half-way through the new one's life.
import { tokenExpiry, tokenIssuedAt } from './jwt'

/**
 * When to refresh: half-way between issue and expiry. Without `iat` the lifetime is
 * unknown, so the token is refreshed a day before it expires (or at once, if that passed).
 * Null when the token carries no expiry at all (nothing to keep alive).
 */
export function refreshAt(token: string): number | null {
  const exp = tokenExpiry(token)
  if (exp === null) return null
  const iat = tokenIssuedAt(token)
  if (iat === null || iat >= exp) return exp - 86_400_000
  return iat + (exp - iat) / 2
}

export interface RefresherOptions {
  token: () => string | null
  /** Trades the token for a fresh one; rejects on failure. */
  refresh: () => Promise<void>
  now?: () => number
}

/** A failed refresh (offline) is retried after this long, while the token still lives. */
export const RETRY_MS = 60_000
/** setTimeout stores its delay in 32 bits: longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Schedules refreshes: `check()` on start and whenever the app is shown (timers do not run
 * while a mini-program is frozen), and a timer for the due time while it runs.
 */
export function createTokenRefresher(opts: RefresherOptions) {
  const now = opts.now ?? (() => Date.now())
  let timer: ReturnType<typeof setTimeout> | null = null
  let running: Promise<void> | null = null
  let stopped = true

  function clear() {
    if (timer) clearTimeout(timer)
    timer = null
  }

  function arm(delay: number) {
    clear()
    if (stopped) return
    timer = setTimeout(
      () => {
        timer = null
        check()
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    )
  }

  /** Refreshes now if the token is past half its life, and schedules the next check. */
  function check(): void {
    if (stopped || running) return
    const token = opts.token()
    if (!token) return clear()
    const due = refreshAt(token)
    if (due === null) return clear()
    if (due > now()) return arm(due - now())
    clear()
    running = opts.refresh().then(
      () => {
        running = null
        check()
      },
      () => {
        running = null
        // Still our token (not logged out meanwhile): try again later.
        if (opts.token() === token) arm(RETRY_MS)
      },
    )
  }

  return {
    start() {
      stopped = false
      check()
    },
    check,
    stop() {
      stopped = true
      clear()
    },
    /** For tests: the pending refresh, if one is running. */
    get pending() {
      return running
    },
  }
}
