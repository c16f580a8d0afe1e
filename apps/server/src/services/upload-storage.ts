import { createReadStream } from 'node:fs'
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import type { BlobStore } from '../store/blobs'

/** A stored upload, ready to be streamed to a client. */
export interface StoredFile {
  size: number
  mime: string
  open(): Readable
}

/**
 * Where uploaded files live. Names are `<content hash>.<ext>`, so a name never changes
 * content. The embedded default keeps them in DATA_DIR/uploads; with DATABASE_URL they
 * live in the shared database, and every node serves and accepts every upload.
 */
export interface UploadStorage {
  readonly kind: 'disk' | 'database'
  put(name: string, data: Buffer): Promise<void>
  has(name: string): Promise<boolean>
  get(name: string): Promise<StoredFile | null>
}

const MIME: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' }
/** Only names the upload route makes: a hash and one of the accepted image extensions. */
const NAME = /^[A-Za-z0-9_-]{1,128}\.(jpg|png|gif|webp)$/

export const isUploadName = (name: string) => NAME.test(name)
export const mimeOf = (name: string) => MIME[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'

export class DiskStorage implements UploadStorage {
  readonly kind = 'disk'
  constructor(readonly dir: string) {}

  async put(name: string, data: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const final = path.join(this.dir, name)
    if (await this.has(name)) return
    // Write then rename, so a reader never sees half a file under the final name.
    const tmp = `${final}.${process.pid}.${Date.now()}.tmp`
    await writeFile(tmp, data)
    await rename(tmp, final)
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== null
  }

  async get(name: string): Promise<StoredFile | null> {
    if (!isUploadName(name)) return null
    const file = path.join(this.dir, name)
    try {
      const s = await stat(file)
      if (!s.isFile()) return null
      return { size: s.size, mime: mimeOf(name), open: () => createReadStream(file) }
    } catch {
      return null
    }
  }
}

export class DatabaseStorage implements UploadStorage {
  readonly kind = 'database'
  constructor(private readonly blobs: BlobStore) {}

  async put(name: string, data: Buffer): Promise<void> {
    await this.blobs.put(name, mimeOf(name), data, Date.now())
  }

  async has(name: string): Promise<boolean> {
    return isUploadName(name) && (await this.blobs.stat(name)) !== null
  }

  async get(name: string): Promise<StoredFile | null> {
    if (!isUploadName(name)) return null
    const meta = await this.blobs.stat(name)
    if (!meta) return null
    return { size: meta.size, mime: meta.mime, open: () => Readable.from(this.blobs.read(meta), { objectMode: false }) }
  }

  /**
   * Copies the files of an embedded deployment's DATA_DIR/uploads into the database, each
   * streamed from disk; files already there are skipped, so every start may run it.
   */
  async importDir(dir: string): Promise<{ imported: number; skipped: number }> {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch {
      return { imported: 0, skipped: 0 }
    }
    let imported = 0
    let skipped = 0
    for (const name of names.filter(isUploadName).sort()) {
      const file = path.join(dir, name)
      if (!(await stat(file)).isFile()) continue
      if (await this.blobs.stat(name)) {
        skipped++
        continue
      }
      if (await this.blobs.put(name, mimeOf(name), createReadStream(file), Date.now())) imported++
      else skipped++
    }
    return { imported, skipped }
  }
}
