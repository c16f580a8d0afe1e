import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

/**
 * Standard HTTP hardening headers. CSP stays off: the H5 bundle is our own and uni-app's
 * boot code is inline; images may be embedded by our H5 app served from another origin.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    })
  },
  { name: 'security', dependencies: ['config'] },
)
