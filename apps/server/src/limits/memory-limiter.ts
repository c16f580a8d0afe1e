import type { RateLimiter } from './types'

/** Fixed-window counters; windows are dropped once they end so memory stays bounded. */
export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory' as const
  private readonly windows = new Map<string, { resetAt: number; count: number }>()
  private sweeps = 0

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    const now = Date.now()
    if (++this.sweeps % 1024 === 0) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
    }
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) this.windows.set(key, (w = { resetAt: now + windowMs, count: 0 }))
    if (w.count >= limit) return false
    w.count++
    return true
  }

  async peek(key: string): Promise<{ hits: number; resetMs: number }> {
    const w = this.windows.get(key)
    const now = Date.now()
    return w && w.resetAt > now ? { hits: w.count, resetMs: w.resetAt - now } : { hits: 0, resetMs: 0 }
  }

  async close(): Promise<void> {
    this.windows.clear()
  }
}
