import fp from 'fastify-plugin'
import type { Cluster, Redis } from 'ioredis'
import { closeClient, createCommandClient } from '../../redis/client'
import { parseRedisUrl } from '../../redis/url'

/** A small key-value cache shared by every node (Redis) or held by this process. */
export interface SharedCache {
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlMs: number): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * This node's one command connection (REDIS_URL), or null without it: presence, rate
     * limits, connection caps, caches, reactions, notices and node stats all share it. The
     * broker keeps its own publisher and subscriber connections.
     */
    redis: Redis | Cluster | null
    sharedCache: SharedCache
  }
}

export default fp(
  async (app) => {
    const { redisUrl, redisMode, nodeId } = app.config
    const redis = redisUrl ? createCommandClient(parseRedisUrl(redisUrl, redisMode), { name: `${nodeId}:cmd` }) : null
    redis?.on('error', (err: Error) => app.log.debug({ err: String(err) }, 'redis link error'))
    const local = new Map<string, { value: string; until: number }>()
    const cache: SharedCache = redis
      ? {
          get: (key) => redis.get(`chat:cache:${key}`),
          set: async (key, value, ttlMs) => {
            await redis.set(`chat:cache:${key}`, value, 'PX', ttlMs)
          },
        }
      : {
          get: async (key) => {
            const e = local.get(key)
            return e && e.until > Date.now() ? e.value : null
          },
          set: async (key, value, ttlMs) => {
            local.set(key, { value, until: Date.now() + ttlMs })
          },
        }
    app.decorate<Redis | Cluster | null>('redis', redis)
    app.decorate('sharedCache', cache)
    app.addHook('onClose', async () => {
      // Registered first, so closed last (LIFO): every user of the client has closed by now.
      if (redis) await closeClient(redis)
    })
  },
  { name: 'redis', dependencies: ['config'] },
)
