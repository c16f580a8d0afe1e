import { ErrorCode } from '@chat/protocol'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { fail } from '../../lib/errors'
import { bearerIs, probeOptions } from '../../lib/probe'

export interface Metrics {
  registry: Registry
  connections: Gauge
  joins: Counter
  stored: Counter
  deliveries: Counter
  brokerErrors: Counter
  redisErrors: Counter
  storeErrors: Counter
  slowConsumers: Counter
  /** Requests and frames refused by an abuse limit, by limit (see docs/security.md). */
  refusals: Counter<'limit'>
  sendAck: Histogram
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** Prometheus metrics on /metrics; one registry per app so tests can run several. */
export default fp(
  async (app) => {
    const registry = new Registry()
    registry.setDefaultLabels({ node: app.config.nodeId })
    collectDefaultMetrics({ register: registry })
    const r = { registers: [registry] }
    const metrics: Metrics = {
      registry,
      connections: new Gauge({ name: 'chat_connections', help: 'Open WebSocket connections', ...r }),
      joins: new Counter({ name: 'chat_joins_total', help: 'Room joins', ...r }),
      stored: new Counter({ name: 'chat_messages_stored_total', help: 'Messages stored (duplicates excluded)', ...r }),
      deliveries: new Counter({ name: 'chat_deliveries_total', help: 'Message pushes written to sockets', ...r }),
      brokerErrors: new Counter({ name: 'chat_broker_errors_total', help: 'Failed broker publishes/subscribes', ...r }),
      redisErrors: new Counter({
        name: 'chat_redis_errors_total',
        help: 'Failed Redis calls of presence, rate and connection limits',
        ...r,
      }),
      storeErrors: new Counter({
        name: 'chat_store_errors_total',
        help: 'Store calls failed because the database was unavailable (requests, gap fills, tail checks)',
        ...r,
      }),
      slowConsumers: new Counter({ name: 'chat_slow_consumers_total', help: 'Sockets closed with 4009', ...r }),
      refusals: new Counter({
        name: 'chat_limit_refusals_total',
        help: 'Refused by an abuse limit: api, upload, room_create, admin_auth, login, queue, guest_login, dm, block',
        labelNames: ['limit'] as const,
        ...r,
      }),
      sendAck: new Histogram({
        name: 'chat_send_ack_seconds',
        help: 'From a send frame to its ack',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        ...r,
      }),
    }
    app.decorate('metrics', metrics)
    const token = app.config.metricsToken
    app.get('/metrics', probeOptions(app), async (req, reply) => {
      // With METRICS_TOKEN set, only a scraper that holds it reads the figures.
      if (token && !bearerIs(req.headers.authorization, token)) {
        reply.header('www-authenticate', 'Bearer')
        return fail(ErrorCode.Unauthorized, 'metrics token required')
      }
      reply.header('content-type', registry.contentType)
      return registry.metrics()
    })
  },
  { name: 'metrics', dependencies: ['config'] },
)
