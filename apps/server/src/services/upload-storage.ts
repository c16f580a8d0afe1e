import { access, mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * Where uploaded files live. The disk implementation keeps them in DATA_DIR/uploads; an
 * object store can take its place by implementing the same three methods (with nodes
 * sharing one store, every node can serve and check every upload).
 */
export interface UploadStorage {
  put(name: string, data: Buffer): Promise<void>
  has(name: string): Promise<boolean>
  /** A local directory to serve from, when the storage is on this disk. */
  readonly localDir: string | null
}

export class DiskStorage implements UploadStorage {
  constructor(readonly localDir: string) {}

  async put(name: string, data: Buffer): Promise<void> {
    await mkdir(this.localDir, { recursive: true })
    const final = path.join(this.localDir, name)
    if (await this.has(name)) return
    // Write then rename, so a reader never sees half a file under the final name.
    const tmp = `${final}.${process.pid}.${Date.now()}.tmp`
    await writeFile(tmp, data)
    await rename(tmp, final)
  }

  async has(name: string): Promise<boolean> {
    try {
      await access(path.join(this.localDir, path.basename(name)))
      return true
    } catch {
      return false
    }
  }
}
