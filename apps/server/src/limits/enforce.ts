import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../lib/errors'

/** A 429 that carries its `Retry-After` (the error handler sets the header from it). */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(ErrorCode.RateLimited, message)
  }
}

/**
 * A refusal by an abuse rule that is counted where errors are answered (the HTTP error
 * handler, the socket's frame runner): `chat_limit_refusals_total{limit=refusal}`.
 */
export class RefusedError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly refusal: string,
  ) {
    super(code, message)
  }
}

/**
 * Counts one hit of `key` in the shared limiter (Redis across nodes, this node's memory
 * without it or while Redis is away); past `limit` in the window it throws 429 with the
 * seconds left in the window, and counts the refusal under `name` in the metrics.
 */
export async function enforce(
  app: FastifyInstance,
  name: string,
  key: string,
  limit: number,
  windowMs: number,
  message: string,
): Promise<void> {
  if (await app.limiter.hit(key, limit, windowMs)) return
  app.metrics?.refusals.inc({ limit: name })
  throw new RateLimitedError(message, await retryAfter(app, key, windowMs))
}

/** Whole seconds until `key`'s window ends (at least 1). */
export async function retryAfter(app: FastifyInstance, key: string, windowMs: number): Promise<number> {
  const { resetMs } = await app.limiter.peek(key).catch(() => ({ resetMs: windowMs }))
  return Math.max(1, Math.ceil((resetMs || windowMs) / 1000))
}
