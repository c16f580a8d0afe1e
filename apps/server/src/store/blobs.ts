import { sql } from 'kysely'
import type { UntypedDb } from './schema'

/**
 * Content-addressed files (uploads) in the shared database, so every node serves and
 * accepts every upload. A file is a head row plus fixed-size chunk rows: written in one
 * transaction (a reader never sees half a file) and read back one chunk per query, so
 * neither side holds more than a chunk of a file in memory at a time.
 */
export interface BlobMeta {
  name: string
  mime: string
  size: number
  chunks: number
  createdAt: number
}

export interface BlobStore {
  stat(name: string): Promise<BlobMeta | null>
  /**
   * Stores `name` from a stream of buffers unless it is stored already (the name is the
   * content's hash, so the same name always means the same bytes). Returns false when it
   * was there before.
   */
  put(name: string, mime: string, source: AsyncIterable<Buffer> | Buffer, ts: number): Promise<boolean>
  /** The file's bytes, one chunk at a time, in order. */
  read(meta: BlobMeta): AsyncIterable<Buffer>
}

/** 256 KiB: a 5 MiB upload is 20 rows; small enough to keep memory flat while serving. */
export const BLOB_CHUNK_BYTES = 256 * 1024

type Run = <T>(fn: () => Promise<T>) => Promise<T>

/** Re-cuts any stream of buffers into chunks of exactly `size` bytes (the last may be short). */
export async function* rechunk(source: AsyncIterable<Buffer> | Buffer, size = BLOB_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const input: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(source) ? [source] : source
  let parts: Buffer[] = []
  let held = 0
  for await (const piece of input) {
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece)
    while (held + buf.length >= size) {
      const take = size - held
      parts.push(buf.subarray(0, take))
      yield Buffer.concat(parts)
      buf = buf.subarray(take)
      parts = []
      held = 0
    }
    if (buf.length) {
      parts.push(buf)
      held += buf.length
    }
  }
  if (held) yield Buffer.concat(parts)
}

export class KyselyBlobs implements BlobStore {
  // The blob tables are not part of the typed schema of the chat data.
  private readonly db: UntypedDb

  constructor(
    db: UntypedDb,
    private readonly run: Run,
  ) {
    this.db = db
  }

  stat(name: string): Promise<BlobMeta | null> {
    return this.run(async () => {
      const r = await this.db.selectFrom('upload_blobs').selectAll().where('name', '=', name).executeTakeFirst()
      return r ? { name: r.name, mime: r.mime, size: Number(r.size), chunks: Number(r.chunks), createdAt: Number(r.created_at) } : null
    })
  }

  put(name: string, mime: string, source: AsyncIterable<Buffer> | Buffer, ts: number): Promise<boolean> {
    return this.run(async () => {
      if (await this.stat(name)) return false
      return this.db.transaction().execute(async (trx) => {
        let idx = 0
        let size = 0
        for await (const chunk of rechunk(source)) {
          // Two nodes storing the same file at once write the same bytes: either may win.
          await trx
            .insertInto('upload_chunks')
            .values({ name, idx, data: chunk })
            .onConflict((oc) => oc.columns(['name', 'idx']).doNothing())
            .execute()
          idx++
          size += chunk.length
        }
        const head = await trx
          .insertInto('upload_blobs')
          .values({ name, mime, size, chunks: idx, created_at: ts })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('name')
          .executeTakeFirst()
        return head !== undefined
      })
    })
  }

  async *read(meta: BlobMeta): AsyncIterable<Buffer> {
    for (let idx = 0; idx < meta.chunks; idx++) {
      const r = await this.run(() =>
        this.db.selectFrom('upload_chunks').select('data').where('name', '=', meta.name).where('idx', '=', idx).executeTakeFirst(),
      )
      if (!r) throw new Error(`upload ${meta.name} is missing chunk ${idx}`)
      yield Buffer.isBuffer(r.data) ? r.data : Buffer.from(r.data as Uint8Array)
    }
  }
}

/** Migration 0004-uploads: the two tables above. */
export async function createBlobTables(db: UntypedDb, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('upload_blobs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('upload_chunks')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('upload_chunks_pkey', ['name', 'idx'])
    .execute()
  // Images are compressed already: store chunks out of line without another compression pass.
  if (dialect === 'postgres') await sql`alter table upload_chunks alter column data set storage external`.execute(db)
}
