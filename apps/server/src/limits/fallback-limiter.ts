import { Backoff } from '../lib/deadline'
import { MemoryRateLimiter } from './memory-limiter'
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
  private readonly backoff: Backoff

  constructor(
    private readonly inner: RateLimiter,
    o: FallbackOptions = {},
  ) {
    this.kind = inner.kind
    this.backoff = new Backoff({ timeoutMs: o.timeoutMs ?? 500, retryMs: o.retryMs ?? 1000, what: 'rate limiter', onError: o.onError })
  }

  hit(key: string, limit: number, windowMs: number, lease?: boolean): Promise<boolean> {
    return this.either((l) => l.hit(key, limit, windowMs, lease))
  }

  peek(key: string): Promise<{ hits: number; resetMs: number }> {
    return this.either((l) => l.peek(key))
  }

  private async either<T>(call: (l: RateLimiter) => Promise<T>): Promise<T> {
    try {
      return await this.backoff.run(() => call(this.inner))
    } catch {
      return call(this.local)
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.inner.close(), this.local.close()])
  }
}
