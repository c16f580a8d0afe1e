// store/blobs.ts: content-addressed upload files in the database (both dialects), written
// in chunks in one transaction and read back one chunk at a time.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DatabaseStorage } from '../../src/services/upload-storage'
import { BLOB_CHUNK_BYTES, rechunk } from '../../src/store/blobs'
import { createStore, type Store } from '../../src/store/index'
import { createTestDatabase, type TestDatabase } from './pg-test-db'

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const b of it) out.push(b)
  return out
}

describe('rechunk', () => {
  it('cuts any stream of pieces into chunks of exactly the size, the last one short', async () => {
    const data = randomBytes(10_000)
    const pieces = async function* () {
      for (let i = 0; i < data.length; ) {
        const n = 1 + ((i * 7919) % 1500)
        yield data.subarray(i, i + n)
        i += n
      }
    }
    const chunks = await collect(rechunk(pieces(), 4096))
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 10_000 - 8192])
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
    expect((await collect(rechunk(Buffer.alloc(0), 4096))).length).toBe(0)
    expect((await collect(rechunk(data.subarray(0, 4096), 4096))).map((c) => c.length)).toEqual([4096])
  })
})

const dirs: string[] = []
let pg: TestDatabase
beforeAll(async () => {
  pg = await createTestDatabase()
})
afterAll(async () => {
  await pg?.drop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe.each(['sqlite', 'postgres'] as const)('blob store on %s', (dialect) => {
  let store: Store
  let other: Store
  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-blobs-'))
    dirs.push(dataDir)
    const databaseUrl = dialect === 'postgres' ? pg.url : undefined
    store = await createStore({ databaseUrl, dataDir })
    await store.migrate()
    // A second handle on the same database: what another node sees.
    other = await createStore({ databaseUrl, dataDir })
    await other.migrate()
  })
  afterAll(async () => {
    await store?.close()
    await other?.close()
  })

  it('stores a file of several chunks once and reads it back byte for byte, chunk by chunk, from another handle', async () => {
    const data = randomBytes(BLOB_CHUNK_BYTES * 2 + 1234)
    const name = `${randomBytes(20).toString('hex')}.png`
    expect(await store.blobs.stat(name)).toBeNull()
    // Streamed in odd-sized pieces, as a file read from disk arrives.
    expect(await store.blobs.put(name, 'image/png', Readable.from([data.subarray(0, 1000), data.subarray(1000)]), 1_700_000_000_000)).toBe(
      true,
    )
    const meta = await other.blobs.stat(name)
    expect(meta).toMatchObject({ name, mime: 'image/png', size: data.length, chunks: 3, createdAt: 1_700_000_000_000 })
    const chunks = await collect(other.blobs.read(meta!))
    expect(chunks.map((c) => c.length)).toEqual([BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES, 1234])
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
    // The same name again stores nothing (the name is the content's hash).
    expect(await other.blobs.put(name, 'image/png', data, 1_800_000_000_000)).toBe(false)
    expect((await store.blobs.stat(name))!.createdAt).toBe(1_700_000_000_000)
  })

  // Nodes share Postgres; SQLite is one process (two handles in one thread would wait on
  // each other's lock with the thread blocked).
  it.skipIf(dialect === 'sqlite')('stores the same new file from two handles at once exactly once', async () => {
    const data = randomBytes(BLOB_CHUNK_BYTES + 10)
    const name = `${randomBytes(20).toString('hex')}.jpg`
    const results = await Promise.all([store.blobs.put(name, 'image/jpeg', data, 1), other.blobs.put(name, 'image/jpeg', data, 2)])
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1)
    const meta = (await store.blobs.stat(name))!
    expect(meta.size).toBe(data.length)
    expect(Buffer.concat(await collect(store.blobs.read(meta))).equals(data)).toBe(true)
  })

  it('imports the files of a DATA_DIR/uploads once: a second run skips them all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-blobs-import-'))
    dirs.push(dir)
    const files = [0, 1, 2].map((i) => ({
      name: `${randomBytes(20).toString('hex')}.${['png', 'gif', 'webp'][i]}`,
      data: randomBytes(1000 + i * BLOB_CHUNK_BYTES),
    }))
    for (const f of files) writeFileSync(path.join(dir, f.name), f.data)
    // Neither a temp file of an interrupted write nor a stray file is an upload.
    writeFileSync(path.join(dir, `${files[0].name}.123.456.tmp`), 'half')
    writeFileSync(path.join(dir, 'notes.txt'), 'hello')
    const storage = new DatabaseStorage(store.blobs)
    expect(await storage.importDir(dir)).toEqual({ imported: 3, skipped: 0 })
    expect(await new DatabaseStorage(other.blobs).importDir(dir)).toEqual({ imported: 0, skipped: 3 })
    for (const f of files) {
      const got = (await new DatabaseStorage(other.blobs).get(f.name))!
      expect(got.size).toBe(f.data.length)
      expect(got.mime).toBe({ png: 'image/png', gif: 'image/gif', webp: 'image/webp' }[f.name.split('.')[1]])
      expect(Buffer.concat(await collect(got.open())).equals(f.data)).toBe(true)
    }
    expect(await storage.has('notes.txt')).toBe(false)
    expect(await storage.get('../chat.db')).toBeNull()
    expect(await storage.importDir(path.join(dir, 'missing'))).toEqual({ imported: 0, skipped: 0 })
  })
})
