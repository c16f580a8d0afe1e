/**
 * Presence: in memory without REDIS_URL, in Redis (standalone or cluster) with it, on the
 * app's one command connection. `PresenceGuard` is this node's side of it that never fails.
 */
import type { Cluster, Redis } from 'ioredis'
import { MemoryPresence } from './memory'
import { RedisPresence } from './redis'
import type { Presence } from './types'

export interface PresenceOptions {
  nodeId: string
  /** Key prefix (default "chat:"). */
  prefix?: string
  /** How long a silent node's entries still count (default 15 s). */
  nodeTtlMs?: number
  /** Lease refresh period (default a third of nodeTtlMs). */
  heartbeatMs?: number
}

export function createPresence(redis: Redis | Cluster | null, o: PresenceOptions): Presence {
  return redis ? new RedisPresence({ redis, ...o }) : new MemoryPresence()
}

export { PresenceGuard, type PresenceChange } from './guard'
export { MemoryPresence, RedisPresence }
export type { RedisPresenceOptions } from './redis'
export type { Presence, PresenceGone } from './types'
