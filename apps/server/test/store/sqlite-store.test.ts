import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createStore, StoreUnavailableError, type Store } from '../../src/store/index'
import { storeContract, type StoreHarness } from './store-contract'

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chat-store-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

// A fresh data dir per test; every open() is another handle on the same chat.db.
async function sqliteHarness(): Promise<StoreHarness> {
  const dataDir = tempDir()
  const opened: Store[] = []
  return {
    async open() {
      const s = await createStore({ dataDir })
      opened.push(s)
      await s.migrate()
      return s
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()))
    },
  }
}

storeContract('sqlite', sqliteHarness, { parallelStores: false })

describe('SQLite store', () => {
  it('creates the data dir and a WAL-mode chat.db in it', async () => {
    const dataDir = join(tempDir(), 'nested', 'data')
    const store = await createStore({ dataDir })
    expect(store.dialect).toBe('sqlite')
    await store.migrate()
    expect(existsSync(join(dataDir, 'chat.db'))).toBe(true)
    const raw = new Database(join(dataDir, 'chat.db'), { readonly: true })
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      const tables = raw.prepare(`select name from sqlite_master where type = 'table' order by name`).pluck().all()
      expect(tables).toEqual(expect.arrayContaining(['users', 'rooms', 'members', 'kicks', 'messages', 'audit']))
    } finally {
      raw.close()
      await store.close()
    }
  })

  it('an empty DATABASE_URL means SQLite', async () => {
    const store = await createStore({ databaseUrl: '', dataDir: tempDir() })
    expect(store.dialect).toBe('sqlite')
    await store.close()
  })

  it('refuses a data dir it cannot create, naming DATA_DIR', async () => {
    const file = join(tempDir(), 'not-a-dir')
    writeFileSync(file, 'x')
    await expect(createStore({ dataDir: join(file, 'data') })).rejects.toThrow(/DATA_DIR/)
  })

  it('refuses any other DATABASE_URL scheme, naming DATABASE_URL but not the password', async () => {
    for (const url of ['mysql://root:hunter2@db/chat', 'sqlite:///tmp/x.db', 'localhost:5432']) {
      const err = await createStore({ databaseUrl: url, dataDir: tempDir() }).catch((e: Error) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).message).toMatch(/DATABASE_URL/)
      expect((err as Error).message).not.toContain('hunter2')
    }
  })

  it('a database locked by another process past the busy timeout is unavailable, then recovers', async () => {
    const dataDir = tempDir()
    const store = await createStore({ dataDir, busyTimeoutMs: 50 })
    await store.migrate()
    await store.createUser({ id: 'u_a', name: 'A', avatar: null, ts: 1 })
    await store.ensureRoom({ id: 'lobby', title: 'lobby', kind: 'group', ownerId: null, ts: 1 })
    const other = new Database(join(dataDir, 'chat.db'))
    other.exec('begin exclusive')
    const send = () => store.appendMessage({ room: 'lobby', senderId: 'u_a', cid: 'cid_00000001', kind: 'like', body: {}, ts: 2 })
    try {
      await expect(send()).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      other.exec('rollback')
      other.close()
    }
    expect((await send()).message.seq).toBe(1)
    await store.close()
  })
})
