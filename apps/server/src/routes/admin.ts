import { timingSafeEqual } from 'node:crypto'
import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { jsonBody, userIdField } from '../lib/http'

/** Server-wide bans with ADMIN_TOKEN; without it the admin API does not exist. */
export default async function admin(app: FastifyInstance) {
  const token = app.config.adminToken
  app.addHook('preHandler', async (req) => {
    if (!token) return fail(ErrorCode.NotFound, 'the admin API is disabled (no ADMIN_TOKEN)')
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!m) return fail(ErrorCode.Unauthorized, 'admin token required')
    const given = Buffer.from(m[1])
    const want = Buffer.from(token)
    if (given.length === want.length && timingSafeEqual(given, want)) return
    // A signed-in user is known but not allowed here; anything else is no credential at all.
    const isUser = await app.auth.authenticate(m[1]).then(() => true, () => false)
    fail(isUser ? ErrorCode.Forbidden : ErrorCode.Unauthorized, isUser ? 'the admin API needs ADMIN_TOKEN, not a user token' : 'admin token required')
  })

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
}
