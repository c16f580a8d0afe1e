/**
 * Every limit in one place: rate limits (per window, shared through Redis and failing open to
 * this node's counters while it is away), connection caps (conn-limits), and `enforce`,
 * which turns a refused hit into a 429 with its Retry-After.
 */
import type { Cluster, Redis } from 'ioredis'
import { FallbackRateLimiter } from './fallback-limiter'
import { MemoryRateLimiter } from './memory-limiter'
import { RedisRateLimiter } from './rate-limiter'
import type { RateLimiter } from './types'

/** In memory without Redis; with it, Redis counters behind the fail-open fallback. */
export function createRateLimiter(redis: Redis | Cluster | null, onError?: (err: unknown) => void): RateLimiter {
  return redis ? new FallbackRateLimiter(new RedisRateLimiter({ redis }), { onError }) : new MemoryRateLimiter()
}

export { FallbackRateLimiter, MemoryRateLimiter, RedisRateLimiter }
export type { RateLimiter }
