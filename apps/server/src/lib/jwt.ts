import { createHmac, timingSafeEqual } from 'node:crypto'

// HS256 by hand: a few lines of node:crypto instead of a dependency, and no
// algorithm negotiation ("alg": "none" and friends) to get wrong.

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

export interface TokenClaims {
  sub: string
  iat: number
  exp: number
}

export function signToken(secret: string, sub: string, ttlSec: number, now = Date.now()): string {
  const iat = Math.floor(now / 1000)
  const payload = b64url(JSON.stringify({ sub, iat, exp: iat + ttlSec }))
  const sig = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url')
  return `${HEADER}.${payload}.${sig}`
}

/** The claims of a valid, unexpired token; null for anything else. */
export function verifyToken(secret: string, token: string, now = Date.now()): TokenClaims | null {
  if (typeof token !== 'string' || token.length > 4096) return null
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== HEADER) return null
  // The signature text itself must be the canonical base64url of the HMAC: decoding first
  // would let `sig!!`, padding or spare bits pass as the same token.
  const expected = Buffer.from(createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest('base64url'))
  const given = Buffer.from(parts[2])
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return null
  }
  const c = claims as Partial<TokenClaims>
  if (typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number') return null
  if (c.exp * 1000 <= now) return null
  return c as TokenClaims
}
