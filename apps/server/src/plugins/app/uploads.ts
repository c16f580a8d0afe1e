import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { UPLOAD_URL_PATTERN } from '@chat/protocol'
import fp from 'fastify-plugin'
import { DiskStorage, type UploadStorage } from '../../services/upload-storage'

export interface Uploads {
  storage: UploadStorage
  /** Whether `url` names a file uploaded to this deployment. */
  exists(url: string): Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    uploads: Uploads
  }
}

export default fp(
  async (app) => {
    const storage = new DiskStorage(path.join(app.config.dataDir, 'uploads'))
    await mkdir(storage.localDir, { recursive: true })
    app.decorate('uploads', {
      storage,
      exists: async (url: string) => UPLOAD_URL_PATTERN.test(url) && storage.has(path.basename(url)),
    })
  },
  { name: 'uploads', dependencies: ['config'] },
)
