import { createHash } from 'node:crypto'
import { ErrorCode, Limits, type UploadResult } from '@chat/protocol'
import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed } from '../lib/http'
import { imageInfo } from '../services/image-info'

/**
 * POST /api/uploads: one image (JPEG, PNG, GIF, WebP, judged by its bytes), ≤ 5 MiB,
 * named by its content hash so the same file twice is the same URL. Files are served
 * at /uploads/<name> without a token, cached for a year (a name never changes content),
 * by every node: see plugins/app/uploads.ts for where they live.
 */
export default async function uploads(app: FastifyInstance) {
  await app.register(multipart, { limits: { fileSize: Limits.uploadBytes, files: 1, fields: 5, parts: 6 } })

  app.post('/api/uploads', { preHandler: authed(app) }, async (req, reply) => {
    if (!req.isMultipart()) return fail(ErrorCode.UnsupportedMedia, 'send the image as multipart/form-data')
    const file = await req.file()
    if (!file) return fail(ErrorCode.BadRequest, 'no file in the request')
    const data = await file.toBuffer()
    // toBuffer does not always throw at the limit; a cut file must never be stored.
    if (file.file.truncated || data.length > Limits.uploadBytes) return fail(ErrorCode.TooLarge, 'images may be at most 5 MiB')
    const info = imageInfo(data)
    if (!info) return fail(ErrorCode.UnsupportedMedia, 'only JPEG, PNG, GIF and WebP images are accepted')
    const name = `${createHash('sha256').update(data).digest('hex').slice(0, 40)}.${info.type}`
    await app.uploads.storage.put(name, data)
    return reply.code(201).send({ url: `/uploads/${name}`, width: info.width, height: info.height } satisfies UploadResult)
  })

  // Every node serves every upload the same way, from disk or from the database. A name
  // is its content's hash, so the hash is the ETag and the file may be cached for good.
  app.get<{ Params: { name: string } }>('/uploads/:name', async (req, reply) => {
    const { name } = req.params
    const file = await app.uploads.storage.get(name)
    if (!file) return fail(ErrorCode.NotFound, 'no such upload')
    const etag = `"${name.slice(0, name.lastIndexOf('.'))}"`
    reply.header('cache-control', IMMUTABLE).header('etag', etag).header('x-content-type-options', 'nosniff')
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send()
    reply.header('content-type', file.mime).header('content-length', file.size)
    return reply.send(file.open())
  })
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** If-None-Match: a list of (possibly weak) tags, or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag === etag || tag === `W/${etag}`
  })
}
