import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

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

/** The operator console's build (apps/admin/dist), served at /admin/. */
export function defaultAdminDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  // src/routes or dist/ → apps/admin/dist
  for (const up of ['../../../admin/dist', '../../admin/dist']) {
    const dir = path.resolve(here, up)
    if (existsSync(path.join(dir, 'index.html'))) return dir
  }
  return ''
}

export default async function clientApp(app: FastifyInstance) {
  await adminConsole(app)
  const root = app.config.clientDir ?? defaultClientDir()
  if (!root || !existsSync(path.join(root, 'index.html'))) {
    app.get('/', async () => ({ name: 'chat server', client: 'not built (run pnpm start at the repo root)' }))
    return
  }
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: true, maxAge: '1h' })
}

/**
 * /admin/: the operator console (v1.1 §G). It holds no secret: it asks for ADMIN_TOKEN and
 * calls /api/admin/* with it. Its page is revalidated on every load; the hashed assets
 * never change.
 */
async function adminConsole(app: FastifyInstance) {
  const root = defaultAdminDir()
  if (!root) {
    const missing = async (_req: unknown, reply: FastifyReply) =>
      reply.code(404).send({ error: 'not_found', message: 'the operator console is not built (pnpm --filter @chat/admin build)' })
    app.get('/admin', missing)
    app.get('/admin/*', missing)
    return
  }
  app.get('/admin', async (_req, reply) => reply.redirect('/admin/'))
  await app.register(fastifyStatic, {
    root,
    prefix: '/admin/',
    decorateReply: false,
    wildcard: true,
    cacheControl: false,
    setHeaders: (res, file) => res.setHeader('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
  })
}
