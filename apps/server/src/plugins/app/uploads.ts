import { access } from 'node:fs/promises'
import path from 'node:path'
import { UPLOAD_URL_PATTERN } from '@chat/protocol'
import fp from 'fastify-plugin'

export interface Uploads {
  /** Whether `url` names a file uploaded to this deployment. */
  exists(url: string): Promise<boolean>
  readonly dir: string
}

declare module 'fastify' {
  interface FastifyInstance {
    uploads: Uploads
  }
}

export default fp(
  async (app) => {
    const dir = path.join(app.config.dataDir, 'uploads')
    const uploads: Uploads = {
      dir,
      async exists(url) {
        if (!UPLOAD_URL_PATTERN.test(url)) return false
        try {
          await access(path.join(dir, path.basename(url)))
          return true
        } catch {
          return false
        }
      },
    }
    app.decorate('uploads', uploads)
  },
  { name: 'uploads', dependencies: ['config'] },
)
