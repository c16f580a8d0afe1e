import { Session } from 'node:inspector'
import { performance } from 'node:perf_hooks'

export interface IdleGcOptions {
  /** Memory worth giving back: RSS growth since the last collection (bytes). */
  minGrowthBytes: number
  /** The event loop must have been this quiet (utilisation, default 0.05) ... */
  maxUtilization?: number
  /** ... for this many checks in a row (default 3, one per `checkMs`, default 500). */
  quietChecks?: number
  checkMs?: number
  onCollect?(rssBefore: number, rssAfter: number): void
}

/**
 * Gives a burst's memory back once the node is quiet again. A class joining at 9:00 grows
 * the heap by tens of MB (queries, replies, frames), nearly all of it dead a moment later;
 * V8 keeps the pages it grew into, and its memory reducer waits for an idle embedder that a
 * node with heartbeats and tail checks never is. So RSS stays at the burst's peak. This asks
 * V8 for a memory-reducing collection (what a low-memory notification does: full GC, new
 * space shrunk, free pages returned) when RSS grew by `minGrowthBytes` since the last one
 * and the event loop has been nearly idle for 1.5 s. Under load it never runs, so it costs
 * no latency (it takes tens of ms, while nothing is waiting).
 */
export class IdleGc {
  private readonly timer: NodeJS.Timeout
  private last = performance.eventLoopUtilization()
  private quiet = 0
  private baseline = process.memoryUsage.rss()
  private busy = false

  constructor(private readonly o: IdleGcOptions) {
    // A collection that cannot be had (no inspector in this build of node) turns this off
    // rather than rejecting in a timer, which would end the process.
    this.timer = setInterval(() => this.check().catch(() => this.stop()), o.checkMs ?? 500)
    this.timer.unref()
  }

  /** One check (the timer calls it); resolves when any collection it started is done. */
  async check(): Promise<void> {
    const now = performance.eventLoopUtilization()
    const elu = performance.eventLoopUtilization(now, this.last)
    this.last = now
    this.quiet = elu.utilization <= (this.o.maxUtilization ?? 0.05) ? this.quiet + 1 : 0
    const rss = process.memoryUsage.rss()
    // Memory went back by itself: measure growth from there.
    if (rss < this.baseline) this.baseline = rss
    if (this.busy || this.quiet < (this.o.quietChecks ?? 3) || rss - this.baseline < this.o.minGrowthBytes) return
    this.busy = true
    try {
      await lowMemoryCollect()
    } finally {
      this.busy = false
    }
    this.baseline = process.memoryUsage.rss()
    this.quiet = 0
    this.o.onCollect?.(rss, this.baseline)
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

/**
 * The inspector protocol's HeapProfiler.collectGarbage, in process (no port is opened):
 * V8's low-memory notification, the one public way to a memory-reducing collection.
 */
function lowMemoryCollect(): Promise<void> {
  const session = new Session()
  session.connect()
  return new Promise<void>((resolve, reject) => {
    session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve()))
  }).finally(() => session.disconnect())
}
