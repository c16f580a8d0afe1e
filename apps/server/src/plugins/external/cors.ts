import cors from '@fastify/cors'
import fp from 'fastify-plugin'

/**
 * CORS for an H5 build served from its own origin (v1.1 §G): only the origins listed in
 * ALLOWED_ORIGINS get `Access-Control-Allow-Origin`, on preflights (204) and on the
 * requests themselves. Headers are listed by name: browsers do not let `*` cover
 * `Authorization`. Unset: no CORS headers at all (same-origin H5 and the mini-program
 * need none).
 */
export default fp(
  async (app) => {
    const origins = app.config.allowedOrigins
    if (!origins?.length) return
    const listed = new Set(origins)
    const options = {
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      // Clients read it on 429.
      exposedHeaders: ['Retry-After'],
      maxAge: 600,
    }
    // Decided per request, so another origin gets no CORS header of any kind.
    await app.register(cors, {
      delegator: (req, cb) => {
        const origin = req.headers.origin
        cb(null, origin && listed.has(origin) ? { ...options, origin } : { origin: false })
      },
    })
  },
  { name: 'cors', dependencies: ['config'] },
)
