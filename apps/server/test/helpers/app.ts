import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app'
import { loadConfig } from '../../src/config'

export interface TestServer {
  app: FastifyInstance
  url: string
  wsUrl: string
  dataDir: string
  close(opts?: { keepData?: boolean }): Promise<void>
}

/** A real server on a free port with its own DATA_DIR (SQLite + in-process bus unless env says otherwise). */
export async function startServer(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'chat-test-'))
  // A shared store or bus needs one JWT_SECRET on every node (config refuses to start without).
  const shared = env.DATABASE_URL || env.REDIS_URL ? { JWT_SECRET: 'test-shared-secret-0123456789abcdef' } : {}
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...shared, ...env })
  const app = await buildApp(config, { logger: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir: dir,
    async close(opts = {}) {
      await app.close()
      if (!opts.keepData && !dataDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}
