import type { FastifyInstance } from 'fastify'
import { buildApp } from './app'
import { type Config, ConfigError, loadConfig } from './config'
import { IdleGc } from './lib/idle-gc'

/**
 * Production entry: `node apps/server/dist/main.js`. Run it directly under a process
 * manager (not through pnpm, which does not forward SIGTERM) so the drain runs.
 */
async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  let app: FastifyInstance | undefined
  try {
    app = await buildApp(config)
    await app.ready()
    // The raw listen, so that start-up logs exactly one line with the URL (below).
    await new Promise<void>((resolve, reject) => {
      app!.server.once('error', reject)
      app!.server.listen(config.port, config.host, () => resolve())
    })
  } catch (err) {
    process.stderr.write(`start-up failed: ${describeStartError(err as NodeJS.ErrnoException, config)}\n`)
    await app?.close().catch(() => {})
    process.exit(1)
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  app.log.info({ url: `http://${shown}:${port}`, port, node: config.nodeId }, `listening on http://${shown}:${port}`)
  // A process concern, not the app's: one per process (tests build many apps in one).
  const idleGc =
    config.limits.idleGcMb > 0
      ? new IdleGc({
          minGrowthBytes: config.limits.idleGcMb * 1024 * 1024,
          onCollect: (before, after) => app.log.debug({ before, after }, 'idle GC'),
        })
      : null

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'draining')
    idleGc?.stop()
    const force = setTimeout(() => process.exit(1), config.limits.drainMs + 5000)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/** Names the setting behind a failed listen, as the contract asks of every bad setting. */
function describeStartError(err: NodeJS.ErrnoException, config: { port: number; host: string }): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `PORT=${config.port} is already in use (${err.message})`
    case 'EACCES':
      return `PORT=${config.port} needs privileges this process lacks (${err.message})`
    case 'ENOTFOUND':
    case 'EADDRNOTAVAIL':
    case 'EAI_AGAIN':
      return `HOST=${config.host} is not an address of this machine (${err.message})`
    default:
      return err.message
  }
}

void main()
