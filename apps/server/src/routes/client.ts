import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** The built H5 app at `/`, when there is one (CLIENT_DIR, or the workspace's build). */
export function defaultClientDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  // src/routes or dist/ → apps/client/dist/build/h5
  for (const up of ['../../../client/dist/build/h5', '../../client/dist/build/h5']) {
    const dir = path.resolve(here, up)
    if (existsSync(path.join(dir, 'index.html'))) return dir
  }
  return ''
}

export default async function clientApp(app: FastifyInstance) {
  const root = app.config.clientDir ?? defaultClientDir()
  if (!root || !existsSync(path.join(root, 'index.html'))) {
    app.get('/', async () => ({ name: 'chat server', client: 'not built (run pnpm start at the repo root)' }))
    return
  }
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: true, maxAge: '1h' })
}
