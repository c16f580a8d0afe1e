// The v1.1 §A/§C suites run twice: on one SQLite node, and on two nodes sharing Postgres and
// Redis (calls through one node, pushes awaited on the other). `A` and `B` are the two
// nodes; on SQLite both are the one server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { startServer } from '../helpers/app'
import { startRedis, type RedisProcess } from '../helpers/redis-server'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'
import { ROOMY, type TestServer } from './support'

export const ADMIN_TOKEN = 'host-control-admin-token-0123456789'

export interface Setup {
  A: TestServer
  B: TestServer
}

/** Defines `body` once per setup; `get()` is valid inside tests (after beforeAll). */
export function bothSetups(title: string, body: (get: () => Setup) => void, env: Record<string, string> = {}): void {
  describe.each(['sqlite', 'two nodes'] as const)(`${title} (%s)`, (kind) => {
    let setup: Setup
    let db: TestDatabase | undefined
    let redis: RedisProcess | undefined
    const servers: TestServer[] = []
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-host-'))
    beforeAll(async () => {
      const words = path.join(dir, 'words.txt')
      writeFileSync(words, 'badword\n')
      const base = { ...ROOMY, ADMIN_TOKEN, SENSITIVE_WORDS_FILE: words, ...env }
      if (kind === 'sqlite') {
        const s = await startServer(base)
        servers.push(s)
        setup = { A: s, B: s }
        return
      }
      db = await createTestDatabase()
      redis = await startRedis()
      const shared = { ...base, DATABASE_URL: db.url, REDIS_URL: redis.url, JWT_SECRET: 'host-control-secret-0123456789abcdef' }
      const data = path.join(dir, 'data')
      servers.push(await startServer({ ...shared, NODE_ID: 'node-a' }, data))
      servers.push(await startServer({ ...shared, NODE_ID: 'node-b' }, data))
      setup = { A: servers[0], B: servers[1] }
    }, 60_000)
    afterAll(async () => {
      for (const s of servers) await s.close()
      await redis?.stop()
      await db?.drop()
      rmSync(dir, { recursive: true, force: true })
    })
    body(() => setup)
  })
}
