/**
 * Picks the broker from the settings:
 *   no REDIS_URL                                  → MemoryBroker (one process is the cluster)
 *   REDIS_URL=redis://… or rediss://…             → RedisBroker (one Redis server)
 *   REDIS_URL=redis-cluster://h:p[,h:p…]          → RedisClusterBroker (sharded pub/sub)
 *   REDIS_URL=redis://h:p[,h:p…] + REDIS_MODE=cluster → RedisClusterBroker as well
 * A redis-cluster:// (or rediss-cluster://) URL is cluster mode whatever REDIS_MODE says.
 * A malformed URL throws an Error whose message names REDIS_URL (see redis/url.ts).
 */
import { MemoryBroker } from './memory'
import { RedisBroker } from './redis'
import { RedisClusterBroker } from './redis-cluster'
import { parseRedisUrl, type RedisMode } from '../redis/url'
import type { Broker } from './types'

export interface BrokerConfig {
  redisUrl?: string
  redisMode?: RedisMode
  nodeId: string
  /** Channel prefix on the wire (default "chat:"). */
  prefix?: string
}

export function createBroker(c: BrokerConfig): Broker {
  if (!c.redisUrl) return new MemoryBroker()
  const t = parseRedisUrl(c.redisUrl, c.redisMode ?? 'standalone')
  const o = { url: c.redisUrl, nodeId: c.nodeId, prefix: c.prefix }
  return t.mode === 'cluster' ? new RedisClusterBroker(o) : new RedisBroker(o)
}

export { MemoryBroker, RedisBroker, RedisClusterBroker }
export { parseRedisUrl, redactRedisUrl, type RedisMode, type RedisTarget } from '../redis/url'
export type { Broker, BrokerHandlers } from './types'
