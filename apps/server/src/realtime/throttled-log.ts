import type { FastifyBaseLogger } from 'fastify'

/**
 * Warnings for failures that repeat during an outage (every publish, every tail check): the
 * first of a kind is logged, then at most one line per `everyMs` with how many were skipped.
 */
export class ThrottledLog {
  private readonly quiet = new Map<string, { until: number; suppressed: number }>()

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly everyMs = 10_000,
  ) {}

  warn(kind: string, obj: object, msg: string): void {
    const now = Date.now()
    const q = this.quiet.get(kind)
    if (q && now < q.until) {
      q.suppressed++
      return
    }
    this.log.warn({ ...obj, suppressed: q?.suppressed ?? 0 }, msg)
    this.quiet.set(kind, { until: now + this.everyMs, suppressed: 0 })
  }
}
