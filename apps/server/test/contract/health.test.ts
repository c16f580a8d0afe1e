// §1: GET /healthz → 200 when the process is up; GET /readyz → 200 only when the store (and
// Redis, if configured) answer, else 503 — within 5 s of a dependency failing or coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { cid, http, joinedClient, login, startRoomy, type TestServer } from './support'
import { startRedis, type RedisProcess } from '../helpers/redis-server'
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../store/pg-test-db'

describe('/healthz and /readyz with Redis configured', () => {
  let redis: RedisProcess
  let s: TestServer
  beforeAll(async () => {
    redis = await startRedis()
    s = await startRoomy({ REDIS_URL: redis.url })
  })
  afterAll(async () => {
    await s?.close()
    await redis?.stop()
  })

  const status = async (path: string) => (await http(s.url, 'GET', path)).status

  it('both answer 200 while the store and Redis are up, without a token', async () => {
    expect(await status('/healthz')).toBe(200)
    expect(await status('/readyz')).toBe(200)
  })

  it('readyz turns 503 when Redis dies (healthz stays 200), and 200 again when it is back', async () => {
    await redis.stop()
    // The contract allows up to 5 s; the poll only bounds the wait, it does not time anything.
    await expect.poll(() => status('/readyz'), { timeout: 8_000, interval: 200 }).toBe(503)
    expect(await status('/healthz')).toBe(200)
    await redis.restart()
    await expect.poll(() => status('/readyz'), { timeout: 8_000, interval: 200 }).toBe(200)
    // And the server works again end to end.
    expect((await http(s.url, 'GET', '/api/me', undefined, (await login(s.url, 'Back')).token)).status).toBe(200)
  }, 30_000)
})

describe('/readyz and error codes when the store (Postgres) fails and comes back', () => {
  let db: TestDatabase
  let s: TestServer
  beforeAll(async () => {
    db = await createTestDatabase()
    s = await startRoomy({ DATABASE_URL: db.url })
  })
  afterAll(async () => {
    await s?.close()
    await admin(`alter database ${db.name} allow_connections true`).catch(() => {})
    await db?.drop()
  })

  async function admin(sql: string) {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL })
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  const status = async (path: string) => (await http(s.url, 'GET', path)).status

  it('readyz 503 and requests fail with unavailable (503) while the store is gone; all well after it is back', async () => {
    const u = await login(s.url, 'Patient')
    const c = await joinedClient(s, u.token, 'pg-room')
    expect(await status('/readyz')).toBe(200)

    await admin(`alter database ${db.name} allow_connections false`)
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db.name}' and pid <> pg_backend_pid()`)
    await expect.poll(() => status('/readyz'), { timeout: 8_000, interval: 200 }).toBe(503)
    expect(await status('/healthz')).toBe(200)

    const k = cid()
    const failed = await c.request({ type: 'send', room: 'pg-room', cid: k, kind: 'text', body: { text: 'during the outage' } }, 20_000)
    expect(failed).toMatchObject({ type: 'error', code: 'unavailable' })
    expect(c.closeCode).toBeNull()
    const viaHttp = await http(s.url, 'POST', '/api/rooms/pg-room/messages', { cid: cid(), kind: 'like', body: {} }, u.token)
    expect({ status: viaHttp.status, error: viaHttp.body?.error }).toEqual({ status: 503, error: 'unavailable' })
    const loginDuring = await http(s.url, 'POST', '/api/login', { name: 'Late' })
    expect({ status: loginDuring.status, error: loginDuring.body?.error }).toEqual({ status: 503, error: 'unavailable' })

    await admin(`alter database ${db.name} allow_connections true`)
    await expect.poll(() => status('/readyz'), { timeout: 8_000, interval: 200 }).toBe(200)
    // The retry with the same cid is stored once.
    const ack = await c.request({ type: 'send', room: 'pg-room', cid: k, kind: 'text', body: { text: 'during the outage' } }, 20_000)
    expect(ack).toMatchObject({ type: 'ack', seq: 1 })
    c.close()
  }, 60_000)
})
