import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed } from '../lib/http'

/** Image uploads arrive with the hardening work; until then a clear 503. */
export default async function uploads(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))
  app.post('/api/uploads', async () => fail(ErrorCode.Unavailable, 'this server does not accept uploads yet'))
}
