import fp from 'fastify-plugin'
import { FallbackRateLimiter } from '../../presence/fallback-limiter'
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
    const shared = createRateLimiter({ redisUrl: redisUrl ?? undefined, redisMode, nodeId })
    // Redis down must not refuse or stall sends and logins: limits go per node meanwhile.
    const limiter = redisUrl
      ? new FallbackRateLimiter(shared, { onError: () => app.metrics?.redisErrors.inc() })
      : shared
    app.decorate('presence', presence)
    app.decorate('limiter', limiter)
    app.addHook('onClose', async () => {
      await Promise.all([presence.close(), limiter.close()])
    })
  },
  { name: 'presence', dependencies: ['config'] },
)
