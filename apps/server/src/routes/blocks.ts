import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody, userIdField } from '../lib/http'
import { publicUser } from '../plugins/app/auth'

/**
 * v1.1 §H blocks: while A blocks B, B's joins and sends into their dm are forbidden
 * (services/dm-policy.ts). One-way: A may still write to B.
 */
export default async function blocks(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))

  const target = async (blocker: string, userId: string) => {
    if (userId === blocker) return fail(ErrorCode.BadRequest, 'you cannot block yourself')
    if (!(await app.store.getUser(userId))) return fail(ErrorCode.NotFound, 'no such user')
    return userId
  }

  app.get('/api/blocks', async (req) => (await app.store.blocks.listBlocked(req.user.id)).map(publicUser))

  app.post('/api/blocks', async (req, reply) => {
    const userId = await target(req.user.id, userIdField(jsonBody(req)))
    await app.store.blocks.block(req.user.id, userId, Date.now())
    return reply.code(204).send()
  })

  app.delete<{ Params: { userId: string } }>('/api/blocks/:userId', async (req, reply) => {
    const userId = await target(req.user.id, userIdField({ userId: req.params.userId }))
    await app.store.blocks.unblock(req.user.id, userId)
    return reply.code(204).send()
  })
}
