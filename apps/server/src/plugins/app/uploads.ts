import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { UPLOAD_URL_PATTERN } from '@chat/protocol'
import fp from 'fastify-plugin'
import { DatabaseStorage, DiskStorage, type UploadStorage } from '../../services/upload-storage'

export interface Uploads {
  storage: UploadStorage
  /** Whether `url` names a file uploaded to this deployment (through any node). */
  exists(url: string): Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    uploads: Uploads
  }
}

/**
 * Embedded: files in DATA_DIR/uploads. With DATABASE_URL: in the shared database, so an
 * upload through one node is served by, and accepted in an `image` message on, every
 * node; files a previous embedded deployment left in DATA_DIR/uploads are imported.
 */
export default fp(
  async (app) => {
    const dir = path.join(app.config.dataDir, 'uploads')
    let storage: UploadStorage
    if (app.config.databaseUrl) {
      const db = new DatabaseStorage(app.store.blobs)
      const { imported, skipped } = await db.importDir(dir)
      if (imported) app.log.info({ imported, skipped }, `imported ${imported} uploads from ${dir} into the database`)
      storage = db
    } else {
      await mkdir(dir, { recursive: true })
      storage = new DiskStorage(dir)
    }
    app.decorate('uploads', {
      storage,
      exists: async (url: string) => UPLOAD_URL_PATTERN.test(url) && storage.has(path.basename(url)),
    })
  },
  { name: 'uploads', dependencies: ['config', 'db'] },
)
