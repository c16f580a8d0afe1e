import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { fail } from './errors'

/** preHandler: the Bearer token's user on `req.user`, or 401/403. */
export function authed(app: FastifyInstance): preHandlerAsyncHookHandler {
  return async (req) => {
    req.user = await app.auth.fromRequest(req)
  }
}

export function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return fail(ErrorCode.BadRequest, 'the body must be a JSON object')
  return b as Record<string, unknown>
}

/** A query-string integer (`?limit=`), or undefined when absent. */
export function queryInt(q: Record<string, unknown>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = q[key]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) return fail(ErrorCode.BadRequest, `${key} must be a whole number`)
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < min || n > max) return fail(ErrorCode.BadRequest, `${key} must be from ${min} to ${max}`)
  return n
}

export function userIdField(b: Record<string, unknown>): string {
  const v = b.userId
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v)) return fail(ErrorCode.BadRequest, 'userId must be a user id')
  return v
}

/** `seconds` of a mute or kick: 0 lifts it; at most ten years. */
export function secondsField(b: Record<string, unknown>): number {
  const v = b.seconds
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10 * 365 * 24 * 3600) {
    return fail(ErrorCode.BadRequest, 'seconds must be a whole number from 0 to 315360000')
  }
  return v
}
