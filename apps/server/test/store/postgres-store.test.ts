import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, StoreUnavailableError, type Store } from '../../src/store/index'
import { createTestDatabase, type TestDatabase } from './pg-test-db'
import { storeContract, type StoreHarness } from './store-contract'

// One fresh database for this file; the contract's tests keep apart by random ids.
let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
  const first = await createStore({ databaseUrl: db.url, dataDir: '/nonexistent' })
  await first.migrate()
  await first.close()
})
afterAll(async () => {
  await db?.drop()
})

async function pgHarness(): Promise<StoreHarness> {
  const opened: Store[] = []
  return {
    async open() {
      const s = await createStore({ databaseUrl: db.url, dataDir: '/nonexistent' })
      opened.push(s)
      await s.migrate()
      return s
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()))
    },
  }
}

storeContract('postgres', pgHarness, { parallelStores: true })

describe('Postgres store', () => {
  it('accepts postgresql:// as well, and reads bigint columns as numbers', async () => {
    const s = await createStore({ databaseUrl: db.url.replace(/^postgres:/, 'postgresql:'), dataDir: '/nonexistent' })
    try {
      expect(s.dialect).toBe('postgres')
      const u = await s.createUser({ id: `u_big_${Date.now()}`, name: 'Big', avatar: null, ts: 1_764_000_000_123 })
      const again = await s.getUser(u.id)
      expect(again?.createdAt).toBe(1_764_000_000_123)
      expect(typeof again?.createdAt).toBe('number')
    } finally {
      await s.close()
    }
  })

  it('five stores migrating a fresh database at once all succeed and apply each migration once', async () => {
    const fresh = await createTestDatabase()
    try {
      const stores = await Promise.all(Array.from({ length: 5 }, () => createStore({ databaseUrl: fresh.url, dataDir: '/nonexistent' })))
      const results = await Promise.allSettled(stores.map((s) => s.migrate()))
      expect(results.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'))
      const { rows } = await fresh.query<{ name: string }>('select name from kysely_migration order by name')
      // Later migrations are appended; the first two are the ones this server shipped with.
      expect(rows.map((r) => r.name).slice(0, 2)).toEqual(['0001-initial', '0002-host-control'])
      const { rows: tables } = await fresh.query<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = 'public' order by 1`,
      )
      expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(['audit', 'kicks', 'members', 'messages', 'rooms', 'users']))
      // Every store can use the schema.
      await stores[0].createUser({ id: 'u_m', name: 'M', avatar: null, ts: 1 })
      expect((await stores[4].getUser('u_m'))?.name).toBe('M')
      await Promise.all(stores.map((s) => s.close()))
    } finally {
      await fresh.drop()
    }
  })

  it('a database on a dead port rejects every call with StoreUnavailableError', async () => {
    const s = await createStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test', dataDir: '/nonexistent' })
    try {
      await expect(s.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(s.migrate()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(s.getUser('u_x')).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(
        s.appendMessage({ room: 'r', senderId: 'u', cid: 'cid_00000001', kind: 'like', body: {}, ts: 1 }),
      ).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await s.close()
    }
  })

  it('a server that accepts but never answers is unavailable once the connect timeout passes', async () => {
    const sockets = new Set<import('node:net').Socket>()
    const server: Server = createServer((sock) => sockets.add(sock))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const s = await createStore({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`, dataDir: '/nonexistent' })
    try {
      const [viaQuery, viaPing] = await Promise.all([s.getRoom('lobby').catch((e: unknown) => e), s.ping().catch((e: unknown) => e)])
      expect(viaQuery).toBeInstanceOf(StoreUnavailableError)
      expect(viaPing).toBeInstanceOf(StoreUnavailableError)
      expect(sockets.size).toBeGreaterThan(0)
    } finally {
      await s.close()
      for (const sock of sockets) sock.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('calls that wait for a pooled connection longer than the connect timeout still succeed', async () => {
    // The connect timeout is for reaching the database; a burst queueing for the pool is not an outage.
    const s = await createStore({ databaseUrl: db.url, dataDir: '/nonexistent', poolMax: 2 })
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    try {
      const room = `r_queue_${Date.now()}`
      await s.createUser({ id: `${room}_u`, name: 'Q', avatar: null, ts: 1 })
      await s.ensureRoom({ id: room, title: room, kind: 'group', ownerId: null, ts: 1 })
      await admin.query('begin')
      await admin.query('select 1 from rooms where id = $1 for update', [room])
      const sends = Array.from({ length: 10 }, (_, i) =>
        s.appendMessage({ room, senderId: `${room}_u`, cid: `cid_queue_${i}`, kind: 'like', body: {}, ts: 2 }),
      )
      await new Promise((r) => setTimeout(r, 2500))
      await admin.query('rollback')
      const results = await Promise.all(sends)
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    } finally {
      await admin.end()
      await s.close()
    }
  })

  it('a connection killed mid-query fails that call as unavailable; the next calls work, with no seq gap', async () => {
    const poolErrors: Error[] = []
    const s = await createStore({ databaseUrl: db.url, dataDir: '/nonexistent', onPoolError: (e) => poolErrors.push(e) })
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    try {
      const room = `r_kill_${Date.now()}`
      await s.createUser({ id: `${room}_u`, name: 'K', avatar: null, ts: 1 })
      await s.ensureRoom({ id: room, title: room, kind: 'group', ownerId: null, ts: 1 })
      const send = (cid: string) => s.appendMessage({ room, senderId: `${room}_u`, cid, kind: 'like', body: {}, ts: 2 })
      expect((await send('cid_first_1')).message.seq).toBe(1)
      // Warm the pool so idle connections die too.
      await Promise.all(Array.from({ length: 4 }, () => s.getRoom(room)))

      // Hold the room's row lock so the append blocks inside Postgres, then kill the store's backends.
      await admin.query('begin')
      await admin.query('select 1 from rooms where id = $1 for update', [room])
      // The expectation is attached at once: the kill can fail the call before the loop ends.
      const blocked = expect(send('cid_killed_1')).rejects.toBeInstanceOf(StoreUnavailableError)
      for (let i = 0; i < 200; i++) {
        const { rows } = await admin.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )
        if (rows[0].n > 0) break
        await new Promise((r) => setTimeout(r, 10))
      }
      const { rows: killed } = await admin.query(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and application_name = 'chat-server'`,
      )
      expect(killed.length).toBeGreaterThan(0)
      await blocked
      await admin.query('rollback')

      expect(await s.getRoom(room)).toMatchObject({ id: room, lastSeq: 1 })
      expect((await send('cid_after_1')).message.seq).toBe(2)
      expect((await s.getMessages(room, { after: 0, limit: 10 })).messages.map((m) => m.cid)).toEqual(['cid_first_1', 'cid_after_1'])
      // The idle connections died too: reported to the handler, not thrown at the process.
      expect(poolErrors.length).toBeGreaterThan(0)
    } finally {
      await admin.end()
      await s.close()
    }
  })
})
