import { ErrorCode, type HttpError } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { withTimeout } from '../lib/deadline'
import { probeOptions } from '../lib/probe'

/** /healthz: the process is up. /readyz: its store and Redis answer (else 503). Logged at debug. */
export default async function health(app: FastifyInstance) {
  app.get('/healthz', probeOptions(app), async () => ({ ok: true, node: app.config.nodeId }))
  app.get('/readyz', probeOptions(app), async (_req, reply) => {
    const problems: string[] = []
    await withTimeout(app.store.ping(), 2000, 'store').catch(() => problems.push('store'))
    if (!app.broker.healthy()) problems.push('redis pub/sub')
    if (app.redis) await withTimeout(app.redis.ping(), 2000, 'redis').catch(() => problems.push('redis'))
    if (problems.length === 0) return { ok: true, node: app.config.nodeId }
    const body: HttpError = { error: ErrorCode.Unavailable, message: `not ready: ${problems.join(', ')} unreachable` }
    return reply.code(503).send(body)
  })
}
