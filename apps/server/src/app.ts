import Fastify, { type FastifyInstance } from 'fastify'
import { ErrorCode, ErrorStatus, isErrorCode } from '@chat/protocol'
import type { Config } from './config'
import { AppError, toAppError } from './lib/errors'
import configPlugin from './plugins/external/config'
import dbPlugin from './plugins/external/db'
import redisPlugin from './plugins/external/redis'
import securityPlugin from './plugins/external/security'
import websocketPlugin from './plugins/external/websocket'
import authPlugin from './plugins/app/auth'
import brokerPlugin from './plugins/app/broker'
import contentPlugin from './plugins/app/content'
import hubPlugin from './plugins/app/hub'
import metricsPlugin from './plugins/app/metrics'
import presencePlugin from './plugins/app/presence'
import uploadsPlugin from './plugins/app/uploads'
import admin from './routes/admin'
import clientApp from './routes/client'
import health from './routes/health'
import login from './routes/login'
import messages from './routes/messages'
import moderation from './routes/moderation'
import rooms from './routes/rooms'
import uploads from './routes/uploads'
import ws from './routes/ws'

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
    trustProxy: config.trustProxy,
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
  })

  app.setErrorHandler((err, req, reply) => {
    let e: AppError
    const status = (err as { statusCode?: number }).statusCode
    if (err instanceof AppError || (err as Error).name === 'StoreUnavailableError') e = toAppError(err)
    else if (status === 413) e = new AppError(ErrorCode.TooLarge, 'request body too large')
    else if (status === 415) e = new AppError(ErrorCode.UnsupportedMedia, 'unsupported content type')
    else if (status && status >= 400 && status < 500) e = new AppError(ErrorCode.BadRequest, (err as Error).message)
    else e = toAppError(err)
    if (e.code === ErrorCode.Internal) req.log.error({ err }, 'request failed')
    if (e.code === ErrorCode.Unavailable) app.metrics?.storeErrors.inc()
    return reply.code(e.status).send({ error: e.code, message: e.message })
  })
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: ErrorCode.NotFound, message: `no route for ${req.method} ${req.url.split('?')[0]}` }),
  )

  await app.register(configPlugin, { config })
  await app.register(dbPlugin)
  await app.register(redisPlugin)
  await app.register(securityPlugin)
  await app.register(websocketPlugin)

  await app.register(metricsPlugin)
  await app.register(brokerPlugin)
  await app.register(presencePlugin)
  await app.register(authPlugin)
  await app.register(contentPlugin)
  await app.register(uploadsPlugin)
  await app.register(hubPlugin)

  await app.register(health)
  await app.register(login)
  await app.register(rooms)
  await app.register(messages)
  await app.register(moderation)
  await app.register(admin)
  await app.register(uploads)
  await app.register(ws)
  await app.register(clientApp)
  return app
}

export { isErrorCode, ErrorStatus }
