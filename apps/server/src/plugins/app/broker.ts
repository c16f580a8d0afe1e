import fp from 'fastify-plugin'
import { createBroker } from '../../broker/index'
import type { Broker } from '../../broker/types'

declare module 'fastify' {
  interface FastifyInstance {
    broker: Broker
  }
}

/** In-process bus by default, Redis pub/sub with REDIS_URL. Started by the hub. */
export default fp(
  async (app) => {
    const { redisUrl, redisMode, nodeId } = app.config
    const broker = createBroker({ redisUrl: redisUrl ?? undefined, redisMode, nodeId })
    app.decorate('broker', broker)
    app.addHook('onClose', async () => {
      await broker.close()
    })
  },
  { name: 'broker', dependencies: ['config'] },
)
