// Error codes (protocol ErrorCode, plus the client's own network ones) → plain local words.
// The server's English `message` is for logs and developers; it is never shown to a user.
import { Limits } from '@chat/protocol'
import { canRetry } from '../engine/refusal'
import { uploadCanRetry } from '../engine/upload-queue'
import { t, type StringKey } from './core'

const TEXT: Record<string, StringKey> = {
  bad_request: 'errorBadRequest',
  unauthorized: 'errorUnauthorized',
  forbidden: 'errorForbidden',
  not_found: 'errorNotFound',
  not_joined: 'errorNotJoined',
  rate_limited: 'errorRateLimited',
  too_large: 'errorTooLarge',
  unsupported_media: 'errorUnsupportedMedia',
  too_late: 'errorTooLate',
  muted: 'errorMuted',
  unavailable: 'errorUnavailable',
  internal: 'errorInternal',
  wechat_disabled: 'errorWechatDisabled',
  conflict: 'errorConflict',
  // the client's own: no socket / no answer in time
  network: 'errorNetwork',
  offline: 'errorNetwork',
  disconnected: 'errorNetwork',
  timeout: 'errorTimeout',
}

/** Any error (a code string, or an ApiError / RequestError / UploadError with `.code`) → words. */
export function errorText(e: unknown): string {
  const code = typeof e === 'string' ? e : typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : ''
  const key = TEXT[code]
  if (key) return t(key)
  return t('errorGeneric', { code: code.replace(/^http_/, '') || '?' })
}

export interface Refusal {
  /** What the failed bubble says. */
  text: string
  /** Whether 重试 is offered (and the outbox resends by itself on reconnect). */
  retry: boolean
}

/** A failed send's bubble: refused for good → the reason and no retry; else 点击重试. */
export function refusalOf(code: string | undefined): Refusal {
  // Too fast: the outbox tries again by itself in a moment; a tap may too.
  if (code === 'rate_limited') return { text: t('errorRateLimited'), retry: true }
  if (canRetry(code)) return { text: t('failedRetry'), retry: true }
  return { text: t('notSent', { reason: errorText(code ?? '') }), retry: false }
}

/** A failed image upload's bubble: why, and whether 重试 can help. */
export function uploadFailure(code: string): Refusal {
  const retry = uploadCanRetry(code)
  if (code === 'too_large') return { text: t('uploadTooLarge', { mb: Limits.uploadBytes / 1048576 }), retry }
  if (code === 'unsupported_media') return { text: t('uploadNotImage'), retry }
  if (code === 'network') return { text: t('uploadOffline'), retry }
  return { text: t('imageFailed', { msg: errorText(code) }), retry }
}
