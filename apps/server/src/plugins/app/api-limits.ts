import fp from 'fastify-plugin'
import { enforce } from '../../limits/enforce'

/**
 * Per-user budgets for the HTTP API, counted before anything else runs (a refused call
 * costs one limiter round trip, no body parsing, no store read). Every /api/* call with a
 * valid user token counts, whatever its outcome; uploads also count in a budget of their
 * own (room creation: routes/rooms). The admin API is the operator's and never counts.
 * Keyed by user, not address: a class of 500 behind one school NAT shares an address.
 */
export default fp(
  async (app) => {
    const l = app.config.limits
    app.addHook('onRequest', async (req) => {
      const url = req.url
      if (!url.startsWith('/api/') || url.startsWith('/api/admin/') || url === '/api/admin') return
      const user = app.auth.tokenSubject(req)
      if (user === null) return
      await enforce(app, 'api', `api:${user}`, l.apiPerWindow, l.apiWindowMs, 'too many API calls, slow down')
      // Room creation has its budget too, counted in routes/rooms once the body is valid
      // (a 400 creates nothing, so it does not use up one of the 10 a minute).
      if (req.method === 'POST' && req.routeOptions.url === '/api/uploads') {
        await enforce(app, 'upload', `upload:${user}`, l.uploadsPerWindow, l.uploadWindowMs, 'too many uploads, try again later')
      }
    })
  },
  { name: 'api-limits', dependencies: ['config', 'auth', 'limits', 'metrics'] },
)
