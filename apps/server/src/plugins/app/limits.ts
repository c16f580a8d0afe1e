import fp from 'fastify-plugin'
import { createConnLimits, type ConnLimits } from '../../limits/conn-limits'
import { createRateLimiter, type RateLimiter } from '../../limits/index'

declare module 'fastify' {
  interface FastifyInstance {
    /** Rate counters: across nodes with Redis, per node while Redis is away or without it. */
    limiter: RateLimiter
    /** Open sockets per user and per address (close 4008), across nodes with Redis. */
    connLimits: ConnLimits
  }
}

/** The limits' shared state, on the app's Redis client when there is one. */
export default fp(
  async (app) => {
    const onError = () => app.metrics.redisErrors.inc()
    const limiter = createRateLimiter(app.redis, onError)
    const connLimits = createConnLimits(app.config.limits, app.redis, onError)
    app.decorate('limiter', limiter)
    app.decorate('connLimits', connLimits)
    app.addHook('onClose', async () => {
      // After the hub's (LIFO): sockets are gone, their counts released here.
      await Promise.all([connLimits.close(), limiter.close()])
    })
  },
  { name: 'limits', dependencies: ['config', 'redis', 'metrics'] },
)
