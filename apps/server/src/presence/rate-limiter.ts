import type { Cluster, Redis } from 'ioredis'
import { closeClient, withTimeout } from '../broker/redis-client'
import { scriptRunner, type ScriptRunner } from './redis-scripts'
import type { RateLimiter } from './types'

export interface RedisRateLimiterOptions {
  redis: Redis | Cluster
  /** Close `redis` on close() — the factories pass true for the client they made. */
  ownsClient?: boolean
  /** Key prefix, default "chat:". */
  prefix?: string
  /** A hit gives up after this (default 3 s); the caller decides whether to fail open. */
  timeoutMs?: number
}

/**
 * Fixed-window counters shared by all nodes, like MemoryRateLimiter: the window starts at a
 * key's first hit and the key expires with it, so Redis keeps nothing for idle keys. INCR and
 * PEXPIRE run in one script, so a crash between them cannot leave a counter without expiry.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis' as const
  private readonly run: ScriptRunner
  private readonly prefix: string

  constructor(private readonly o: RedisRateLimiterOptions) {
    this.run = scriptRunner(o.redis)
    this.prefix = `${o.prefix ?? 'chat:'}rl:`
  }

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    if (limit <= 0) return false
    const hit = this.run('chatRateHit', this.prefix + key, Math.max(1, Math.ceil(windowMs)))
    const hits = (await withTimeout(hit, this.o.timeoutMs ?? 3000, 'rate limiter')) as number
    return hits <= limit
  }

  async peek(key: string): Promise<{ hits: number; resetMs: number }> {
    const [hits, ttl] = (await withTimeout(this.run('chatRatePeek', this.prefix + key), this.o.timeoutMs ?? 3000, 'rate limiter')) as [
      number,
      number,
    ]
    return ttl > 0 ? { hits, resetMs: ttl } : { hits: 0, resetMs: 0 }
  }

  async close(): Promise<void> {
    if (this.o.ownsClient) await closeClient(this.o.redis)
  }
}
