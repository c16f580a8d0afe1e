import fp from 'fastify-plugin'
import { createPresence, createRateLimiter } from '../../presence/index'
import type { Presence, RateLimiter } from '../../presence/types'

declare module 'fastify' {
  interface FastifyInstance {
    presence: Presence
    limiter: RateLimiter
  }
}

/** Who is online, and the rate counters: in memory by default, in Redis across nodes. */
export default fp(
  async (app) => {
    const { redisUrl, redisMode, nodeId } = app.config
    const presence = createPresence({ redisUrl: redisUrl ?? undefined, redisMode, nodeId })
    const limiter = createRateLimiter({ redisUrl: redisUrl ?? undefined, redisMode, nodeId })
    app.decorate('presence', presence)
    app.decorate('limiter', limiter)
    app.addHook('onClose', async () => {
      await Promise.all([presence.close(), limiter.close()])
    })
  },
  { name: 'presence', dependencies: ['config'] },
)
