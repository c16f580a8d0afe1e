import Fastify, { type FastifyInstance } from 'fastify'
import { ErrorCode, type HttpError } from '@chat/protocol'
import type { Config } from './config'
import { AppError, toAppError } from './lib/errors'
import { StoreUnavailableError } from './store/types'
import configPlugin from './plugins/external/config'
import corsPlugin from './plugins/external/cors'
import dbPlugin from './plugins/external/db'
import redisPlugin from './plugins/external/redis'
import securityPlugin from './plugins/external/security'
import websocketPlugin from './plugins/external/websocket'
import apiLimitsPlugin from './plugins/app/api-limits'
import authPlugin from './plugins/app/auth'
import brokerPlugin from './plugins/app/broker'
import clusterStatsPlugin from './plugins/app/cluster-stats'
import contentPlugin from './plugins/app/content'
import hubPlugin from './plugins/app/hub'
import limitsPlugin from './plugins/app/limits'
import metricsPlugin from './plugins/app/metrics'
import noticesPlugin from './plugins/app/notices'
import presencePlugin from './plugins/app/presence'
import reactionsPlugin from './plugins/app/reactions'
import uploadsPlugin from './plugins/app/uploads'
import admin from './routes/admin'
import blocks from './routes/blocks'
import clientApp from './routes/client'
import clientConfig from './routes/config'
import health from './routes/health'
import login from './routes/login'
import messages from './routes/messages'
import moderation from './routes/moderation'
import rooms from './routes/rooms'
import uploads from './routes/uploads'
import ws from './routes/ws'

/** TRUST_PROXY=N: the socket and the N-1 entries nearest it are proxies; the next is the client. */
const hops = (n: number) => (_addr: string, i: number) => i < n

/** Builds the server: external plugins, then the app's own, then routes. */
export async function buildApp(
  config: Config,
  opts: { logger?: boolean; logStream?: NodeJS.WritableStream } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? {
      level: config.logLevel,
      // Tokens travel in headers and hello frames; neither ever reaches a log line.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token'],
      ...(opts.logStream ? { stream: opts.logStream } : {}),
    },
    // A hop count is a function here: this Fastify treats a bare number as "trust nothing".
    trustProxy: typeof config.trustProxy === 'number' ? hops(config.trustProxy) : config.trustProxy,
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
    // A body that stops arriving is ended with 408. Node checks the deadline only every
    // connectionsCheckingInterval (30 s by default), so that is shortened to act in time.
    requestTimeout: config.limits.requestTimeoutMs,
  })
  // Read by Node when the server starts listening.
  const server = app.server as typeof app.server & { connectionsCheckingInterval: number }
  server.headersTimeout = Math.min(60_000, config.limits.requestTimeoutMs)
  server.connectionsCheckingInterval = Math.min(1000, config.limits.requestTimeoutMs)

  app.setErrorHandler((err, req, reply) => {
    let e: AppError
    const status = (err as { statusCode?: number }).statusCode
    if (err instanceof AppError || err instanceof StoreUnavailableError) e = toAppError(err)
    else if (status === 413) e = new AppError(ErrorCode.TooLarge, 'request body too large')
    else if (status === 415) e = new AppError(ErrorCode.UnsupportedMedia, 'unsupported content type')
    else if (status && status >= 400 && status < 500) e = new AppError(ErrorCode.BadRequest, (err as Error).message)
    else e = toAppError(err)
    const refusal = (err as { refusal?: string }).refusal
    if (refusal) app.metrics?.refusals.inc({ limit: refusal })
    const retryAfter = (err as { retryAfterSec?: number }).retryAfterSec
    if (e.code === ErrorCode.RateLimited && retryAfter) reply.header('retry-after', String(retryAfter))
    if (e.code === ErrorCode.Internal) req.log.error({ err }, 'request failed')
    if (e.code === ErrorCode.Unavailable) app.metrics?.storeErrors.inc()
    return reply.code(e.status).send({ error: e.code, message: e.message } satisfies HttpError)
  })
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: ErrorCode.NotFound, message: `no route for ${req.method} ${req.url.split('?')[0]}` } satisfies HttpError),
  )

  await app.register(configPlugin, { config })
  await app.register(dbPlugin)
  await app.register(redisPlugin)
  await app.register(securityPlugin)
  await app.register(corsPlugin)
  await app.register(websocketPlugin)

  await app.register(metricsPlugin)
  await app.register(brokerPlugin)
  await app.register(presencePlugin)
  await app.register(limitsPlugin)
  await app.register(authPlugin)
  await app.register(apiLimitsPlugin)
  await app.register(contentPlugin)
  await app.register(uploadsPlugin)
  await app.register(hubPlugin)
  await app.register(reactionsPlugin)
  await app.register(noticesPlugin)
  await app.register(clusterStatsPlugin)

  await app.register(health)
  await app.register(clientConfig)
  await app.register(login)
  await app.register(rooms)
  await app.register(messages)
  await app.register(moderation)
  await app.register(admin)
  await app.register(blocks)
  await app.register(uploads)
  await app.register(ws)
  await app.register(clientApp)
  return app
}
