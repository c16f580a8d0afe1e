import fp from 'fastify-plugin'
import { createPresence } from '../../presence/index'
import type { Presence } from '../../presence/types'

declare module 'fastify' {
  interface FastifyInstance {
    presence: Presence
  }
}

/** Who is online: in memory by default, in Redis across nodes (on the app's Redis client). */
export default fp(
  async (app) => {
    const presence = createPresence(app.redis, { nodeId: app.config.nodeId })
    app.decorate('presence', presence)
    app.addHook('onClose', async () => {
      await presence.close()
    })
  },
  { name: 'presence', dependencies: ['config', 'redis'] },
)
