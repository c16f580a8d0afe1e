import { Limits, UPLOAD_URL_PATTERN, USER_ID_PATTERN } from './limits'
import { MessageKind, type MessageBody } from './model'
import { codePoints } from './text'

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string }

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message })

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function isKind(v: unknown): v is MessageKind {
  return typeof v === 'string' && (Object.values(MessageKind) as string[]).includes(v)
}

/** Trims and length-checks a text the way the contract counts it (code points). */
export function checkText(v: unknown, field: string, max: number = Limits.textMax): Checked<string> {
  if (typeof v !== 'string') return fail(`${field} must be a string`)
  const t = v.trim()
  const n = codePoints(t)
  if (n < 1) return fail(`${field} must not be empty`)
  if (n > max) return fail(`${field} is longer than ${max} characters`)
  return { ok: true, value: t }
}

export function isIntIn(v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
}

/**
 * Validates a message body and returns the body to store: only the fields of that kind,
 * text trimmed. Fields the kind does not define are dropped rather than refused, so old
 * servers accept bodies from newer clients.
 */
export function checkBody(kind: unknown, body: unknown): Checked<{ kind: MessageKind; body: MessageBody }> {
  if (!isKind(kind)) return fail(`kind must be one of ${Object.values(MessageKind).join(', ')}`)
  if (!isPlainObject(body)) return fail('body must be an object')
  switch (kind) {
    case 'text':
    case 'question': {
      const t = checkText(body.text, 'body.text')
      if (!t.ok) return t
      const m = checkMentions(body.mentions)
      if (!m.ok) return m
      // The server keeps only current members (services/messages.ts); empty → no field.
      return { ok: true, value: { kind, body: m.value.length ? { text: t.value, mentions: m.value } : { text: t.value } } }
    }
    case 'image': {
      const url = body.url
      if (typeof url !== 'string' || url.length > Limits.urlMax || !UPLOAD_URL_PATTERN.test(url)) {
        return fail('body.url must be a url returned by /api/uploads')
      }
      const out: { url: string; width?: number; height?: number } = { url }
      for (const k of ['width', 'height'] as const) {
        if (body[k] === undefined) continue
        if (!isIntIn(body[k], 1, 100_000)) return fail(`body.${k} must be a whole number from 1 to 100000`)
        out[k] = body[k] as number
      }
      return { ok: true, value: { kind, body: out } }
    }
    case 'like':
      return { ok: true, value: { kind, body: {} } }
    case 'flower': {
      if (body.count === undefined) return { ok: true, value: { kind, body: {} } }
      if (!isIntIn(body.count, 1, Limits.flowerMax)) return fail(`body.count must be a whole number from 1 to ${Limits.flowerMax}`)
      return { ok: true, value: { kind, body: { count: body.count } } }
    }
    case 'answer': {
      if (!isIntIn(body.question, 1)) return fail('body.question must be the seq of a question')
      const t = checkText(body.text, 'body.text')
      return t.ok ? { ok: true, value: { kind, body: { question: body.question, text: t.value } } } : t
    }
  }
}

/**
 * v1.1 §D: `mentions` as sent — an array of at most `Limits.mentionsMax` user ids, counted
 * before duplicates are removed. Absent or null → none. Order is kept, duplicates go.
 */
export function checkMentions(v: unknown): Checked<string[]> {
  if (v === undefined || v === null) return { ok: true, value: [] }
  if (!Array.isArray(v)) return fail('body.mentions must be an array of user ids')
  if (v.length > Limits.mentionsMax) return fail(`body.mentions has more than ${Limits.mentionsMax} entries`)
  for (const id of v) {
    if (typeof id !== 'string' || !USER_ID_PATTERN.test(id)) return fail('body.mentions must be an array of user ids')
  }
  return { ok: true, value: [...new Set(v as string[])] }
}
