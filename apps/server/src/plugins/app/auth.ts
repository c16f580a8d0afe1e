import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ErrorCode, type User } from '@chat/protocol'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/errors'
import { signToken, verifyToken } from '../../lib/jwt'
import type { UserRecord } from '../../store/types'

export interface Auth {
  issue(userId: string): string
  /** The user behind a token: `unauthorized` if bad/expired/unknown, `forbidden` if banned. */
  authenticate(token: string | undefined): Promise<UserRecord>
  /** Bearer token of an HTTP request → its user. */
  fromRequest(req: FastifyRequest): Promise<UserRecord>
  /** The user id of a request's valid bearer token, without a store read (null if none). */
  tokenSubject(req: FastifyRequest): string | null
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  return (typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null)?.[1]
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth
  }
  interface FastifyRequest {
    user: UserRecord
  }
}

export function publicUser(u: UserRecord): User {
  return { id: u.id, name: u.name, avatar: u.avatar }
}

/** JWT_SECRET, or one generated at first start and kept in DATA_DIR (single node only). */
async function resolveSecret(configured: string | null, dataDir: string): Promise<string> {
  if (configured) return configured
  const file = path.join(dataDir, 'jwt-secret')
  try {
    const s = (await readFile(file, 'utf8')).trim()
    if (s.length >= 32) return s
  } catch {}
  await mkdir(dataDir, { recursive: true })
  const s = randomBytes(32).toString('hex')
  await writeFile(file, s + '\n', { mode: 0o600, flag: 'w' })
  return s
}

export default fp(
  async (app) => {
    const secret = await resolveSecret(app.config.jwtSecret, app.config.dataDir)
    const ttl = app.config.limits.tokenTtlSec
    const auth: Auth = {
      issue: (userId) => signToken(secret, userId, ttl),
      async authenticate(token) {
        const claims = token ? verifyToken(secret, token) : null
        if (!claims) throw new AppError(ErrorCode.Unauthorized, 'missing, bad or expired token')
        const user = await app.store.getUser(claims.sub)
        if (!user) throw new AppError(ErrorCode.Unauthorized, 'unknown user')
        if (user.bannedAt !== null) throw new AppError(ErrorCode.Forbidden, 'this account is banned')
        return user
      },
      fromRequest(req) {
        return auth.authenticate(bearer(req))
      },
      tokenSubject(req) {
        const t = bearer(req)
        return t ? (verifyToken(secret, t)?.sub ?? null) : null
      },
    }
    app.decorate('auth', auth)
    app.decorateRequest('user', null as unknown as UserRecord)
  },
  { name: 'auth', dependencies: ['config', 'db'] },
)
