// Which send failures a resend can fix. Everything else is the server saying no to this
// message (forbidden, too_large, bad_request, muted, …): resending the same cid gets the
// same answer, so the bubble says why and offers no retry.
const TRANSIENT: ReadonlySet<string> = new Set(['offline', 'disconnected', 'timeout', 'rate_limited', 'internal', 'unavailable'])

export function canRetry(code: string | undefined): boolean {
  // No code at all is a failure we know nothing about: let the user try again.
  return !code || TRANSIENT.has(code)
}
