import type { FastifyInstance } from 'fastify'
import { probeOptions } from '../lib/probe'

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())])

/** /healthz: the process is up. /readyz: its store and Redis answer (else 503). Logged at debug. */
export default async function health(app: FastifyInstance) {
  app.get('/healthz', probeOptions(app), async () => ({ ok: true, node: app.config.nodeId }))
  app.get('/readyz', probeOptions(app), async (_req, reply) => {
    const problems: string[] = []
    await within(app.store.ping(), 2000).catch(() => problems.push('store'))
    if (!app.broker.healthy()) problems.push('redis pub/sub')
    if (app.redis) await within(app.redis.ping(), 2000).catch(() => problems.push('redis'))
    if (problems.length) return reply.code(503).send({ error: 'unavailable', message: `not ready: ${problems.join(', ')} unreachable` })
    return { ok: true, node: app.config.nodeId }
  })
}
