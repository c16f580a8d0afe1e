import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'

/**
 * Route options for probes (/healthz, /readyz, /metrics): a load balancer or Prometheus
 * calls them every few seconds, so their request lines go out at debug, not info. The
 * route's own logger only speaks from warn up (failures still show); the one debug line
 * per request goes through the app's logger.
 */
export function probeOptions(app: FastifyInstance): RouteShorthandOptions {
  return {
    logLevel: 'warn',
    onResponse: async (req, reply) => {
      app.log.debug({ reqId: req.id, url: req.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'probe')
    },
  }
}

/** Whether an `Authorization: Bearer …` header carries exactly `token` (constant time). */
export function bearerIs(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  if (!m) return false
  const given = Buffer.from(m[1])
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}
