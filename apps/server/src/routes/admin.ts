import { createHash, timingSafeEqual } from 'node:crypto'
import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { jsonBody, userIdField } from '../lib/http'
import { RateLimitedError } from '../limits/enforce'
import { adminOwnerRoute } from './admin-owner'
import { adminQueryRoutes } from './admin-queries'

/** Server-wide bans with ADMIN_TOKEN; without it the admin API does not exist. */
export default async function admin(app: FastifyInstance) {
  const token = app.config.adminToken
  // Digests are compared, so neither the time taken nor an early length check tells a
  // guesser anything about the token's length.
  const digest = (t: string) => createHash('sha256').update(t).digest()
  const want = token ? digest(token) : null
  const lockWindowMs = 60_000
  const maxFails = app.config.limits.adminFailsPerMinute
  app.addHook('preHandler', async (req) => {
    if (!token || !want) return fail(ErrorCode.NotFound, 'the admin API is disabled (no ADMIN_TOKEN)')
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    // No token at all is no guess: it does not count toward the lockout.
    if (!m) return fail(ErrorCode.Unauthorized, 'admin token required')
    const key = `adminfail:${req.ip}`
    const { hits, resetMs } = await app.limiter.peek(key)
    if (hits >= maxFails) {
      app.metrics.refusals.inc({ limit: 'admin_auth' })
      throw new RateLimitedError('too many wrong admin tokens from this address, try again later', Math.max(1, Math.ceil(resetMs / 1000)))
    }
    if (timingSafeEqual(digest(m[1]), want)) return
    await app.limiter.hit(key, maxFails, lockWindowMs)
    // A signed-in user is known but not allowed here; anything else is no credential at all.
    const isUser = await app.auth.authenticate(m[1]).then(
      () => true,
      () => false,
    )
    fail(
      isUser ? ErrorCode.Forbidden : ErrorCode.Unauthorized,
      isUser ? 'the admin API needs ADMIN_TOKEN, not a user token' : 'admin token required',
    )
  })

  adminQueryRoutes(app) // rooms, users, audit, stats (v1.1 §G)

  app.post('/api/admin/bans', async (req, reply) => {
    const userId = userIdField(jsonBody(req))
    if (!(await app.store.getUser(userId))) return fail(ErrorCode.NotFound, 'no such user')
    await app.store.setBanned(userId, Date.now())
    app.hub.control({ k: 'ban', user: userId })
    await app.store.audit({ actorId: null, action: 'ban', roomId: null, targetId: userId, detail: {}, ts: Date.now() })
    return reply.code(204).send()
  })

  app.delete<{ Params: { userId: string } }>('/api/admin/bans/:userId', async (req, reply) => {
    const userId = userIdField({ userId: req.params.userId })
    if (!(await app.store.getUser(userId))) return fail(ErrorCode.NotFound, 'no such user')
    await app.store.setBanned(userId, null)
    await app.store.audit({ actorId: null, action: 'unban', roomId: null, targetId: userId, detail: {}, ts: Date.now() })
    return reply.code(204).send()
  })

  adminOwnerRoute(app) // PUT /api/admin/rooms/:id/owner (v1.1 §A)
}
