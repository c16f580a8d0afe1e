/**
 * Presence and rate limits: in memory without REDIS_URL, in Redis (standalone or cluster,
 * same URL convention as the broker — see ../broker/redis-url.ts) with it. Each Redis-backed
 * object opens and owns one command connection.
 */
import { createCommandClient } from '../broker/redis-client'
import { parseRedisUrl, type RedisMode } from '../broker/redis-url'
import { MemoryPresence, MemoryRateLimiter } from './memory'
import { RedisRateLimiter } from './rate-limiter'
import { RedisPresence } from './redis'
import type { Presence, RateLimiter } from './types'

export interface PresenceConfig {
  redisUrl?: string
  redisMode?: RedisMode
  nodeId: string
  /** Key prefix (default "chat:"). */
  prefix?: string
  /** Presence only: how long a silent node's entries still count (default 15 s). */
  nodeTtlMs?: number
  /** Presence only: lease refresh period (default a third of nodeTtlMs). */
  heartbeatMs?: number
}

export function createPresence(c: PresenceConfig): Presence {
  if (!c.redisUrl) return new MemoryPresence()
  const redis = createCommandClient(parseRedisUrl(c.redisUrl, c.redisMode ?? 'standalone'), { name: `${c.nodeId}:presence` })
  redis.on('error', () => {})
  return new RedisPresence({
    redis,
    ownsClient: true,
    nodeId: c.nodeId,
    prefix: c.prefix,
    nodeTtlMs: c.nodeTtlMs,
    heartbeatMs: c.heartbeatMs,
  })
}

export function createRateLimiter(c: PresenceConfig): RateLimiter {
  if (!c.redisUrl) return new MemoryRateLimiter()
  const redis = createCommandClient(parseRedisUrl(c.redisUrl, c.redisMode ?? 'standalone'), { name: `${c.nodeId}:limits` })
  redis.on('error', () => {})
  return new RedisRateLimiter({ redis, ownsClient: true, prefix: c.prefix })
}

export { MemoryPresence, MemoryRateLimiter, RedisPresence, RedisRateLimiter }
export type { RedisPresenceOptions } from './redis'
export type { RedisRateLimiterOptions } from './rate-limiter'
export type { Presence, PresenceGone, RateLimiter } from './types'
