import { MemoryRateLimiter } from './memory'
import type { RateLimiter } from './types'

export interface FallbackOptions {
  /** A Redis answer slower than this counts as a failure (default 500 ms). */
  timeoutMs?: number
  /** After a failure, how long hits stay local before Redis is tried again (default 1 s). */
  retryMs?: number
  onError?(err: unknown): void
}

/**
 * Rate limits fail open to this node's own counters while Redis is unreachable: a send must
 * still be stored and acked then, so a limiter that cannot answer must not refuse (or delay)
 * it. Limits hold per node during the outage and across nodes again once Redis answers.
 */
export class FallbackRateLimiter implements RateLimiter {
  readonly kind: RateLimiter['kind']
  private readonly local = new MemoryRateLimiter()
  private downUntil = 0

  constructor(
    private readonly inner: RateLimiter,
    private readonly o: FallbackOptions = {},
  ) {
    this.kind = inner.kind
  }

  hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    return this.either((l) => l.hit(key, limit, windowMs))
  }

  peek(key: string): Promise<{ hits: number; resetMs: number }> {
    return this.either((l) => l.peek(key))
  }

  private async either<T>(call: (l: RateLimiter) => Promise<T>): Promise<T> {
    if (Date.now() < this.downUntil) return call(this.local)
    let timer: NodeJS.Timeout | undefined
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('rate limiter: Redis did not answer in time')), this.o.timeoutMs ?? 500)
      })
      return await Promise.race([call(this.inner), late])
    } catch (err) {
      this.downUntil = Date.now() + (this.o.retryMs ?? 1000)
      this.o.onError?.(err)
      return call(this.local)
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.inner.close(), this.local.close()])
  }
}
