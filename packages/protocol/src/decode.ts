import { isIntIn, isPlainObject, checkBody } from './body'
import { ErrorCode } from './codes'
import type { ClientFrame, RequestId } from './frames'
import { ClientFrameType } from './frames'
import { CID_PATTERN, Limits } from './limits'
import { parseRoomId } from './text'

export type Decoded = { ok: true; frame: ClientFrame } | { ok: false; id?: RequestId; code: ErrorCode; message: string }

class FrameError extends Error {}
const bad = (message: string): never => {
  throw new FrameError(message)
}

function room(f: Record<string, unknown>): string {
  if (typeof f.room !== 'string') return bad('room must be a string')
  if (!parseRoomId(f.room))
    return bad(f.room.startsWith('dm:') ? 'malformed dm room id: dm:<userA>:<userB>, ids sorted' : 'room must match ^[A-Za-z0-9_-]{1,64}$')
  return f.room
}

function seqField(f: Record<string, unknown>, key: string, min = 0): number {
  const v = f[key]
  if (!isIntIn(v, min)) return bad(`${key} must be a whole number ≥ ${min}`)
  return v
}

function optSeq(f: Record<string, unknown>, key: string): number | undefined {
  return f[key] === undefined ? undefined : seqField(f, key)
}

function requestId(v: unknown): RequestId | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'string' && v.length <= Limits.requestIdMax) return v
  if (typeof v === 'number' && Number.isFinite(v) && String(v).length <= Limits.requestIdMax) return v
  return bad(`id must be a string or number of at most ${Limits.requestIdMax} characters`)
}

function resumeMap(v: unknown): Record<string, number> | undefined {
  if (v === undefined) return undefined
  if (!isPlainObject(v)) return bad('resume must be an object of room → seq')
  // A null-prototype map: a room called "__proto__" is only a (malformed) key, never a prototype.
  const out: Record<string, number> = Object.create(null)
  const keys = Object.keys(v)
  if (keys.length > 100) return bad('resume names more than 100 rooms')
  for (const k of keys) {
    if (!parseRoomId(k)) return bad(`resume: bad room id ${JSON.stringify(k.slice(0, 80))}`)
    if (!isIntIn(v[k], 0)) return bad(`resume.${k} must be a whole number ≥ 0`)
    out[k] = v[k] as number
  }
  return out
}

function build(f: Record<string, unknown>, id: RequestId | undefined): ClientFrame {
  const withId = <T extends object>(x: T) => (id === undefined ? x : { ...x, id })
  switch (f.type) {
    case ClientFrameType.Hello: {
      if (typeof f.token !== 'string' || f.token.length === 0) return bad('token must be a string')
      const resume = resumeMap(f.resume)
      return withId({ type: 'hello' as const, token: f.token, ...(resume ? { resume } : {}) })
    }
    case ClientFrameType.Join: {
      const after = optSeq(f, 'after')
      let invite: string | undefined
      if (f.invite !== undefined && f.invite !== null) {
        if (typeof f.invite !== 'string' || f.invite.length > 128) return bad('invite must be a string of at most 128 characters')
        invite = f.invite
      }
      return withId({
        type: 'join' as const,
        room: room(f),
        ...(after === undefined ? {} : { after }),
        ...(invite === undefined ? {} : { invite }),
      })
    }
    case ClientFrameType.Leave:
      return withId({ type: 'leave' as const, room: room(f) })
    case ClientFrameType.Send: {
      const r = room(f)
      if (typeof f.cid !== 'string' || !CID_PATTERN.test(f.cid)) return bad('cid must be 8–64 characters of [A-Za-z0-9_-]')
      const b = checkBody(f.kind, f.body)
      if (!b.ok) return bad(b.message)
      return withId({ type: 'send' as const, room: r, cid: f.cid, kind: b.value.kind, body: b.value.body })
    }
    case ClientFrameType.History: {
      const r = room(f)
      const before = optSeq(f, 'before')
      const after = optSeq(f, 'after')
      if (before !== undefined && after !== undefined) return bad('give before or after, not both')
      let limit: number = Limits.historyDefault
      if (f.limit !== undefined) {
        if (!isIntIn(f.limit, 1, Limits.historyMax)) return bad(`limit must be a whole number from 1 to ${Limits.historyMax}`)
        limit = f.limit
      }
      return withId({
        type: 'history' as const,
        room: r,
        limit,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      })
    }
    case ClientFrameType.Typing:
      return withId({ type: 'typing' as const, room: room(f) })
    case ClientFrameType.Read:
      return withId({ type: 'read' as const, room: room(f), seq: seqField(f, 'seq') })
    case ClientFrameType.Recall:
      return withId({ type: 'recall' as const, room: room(f), seq: seqField(f, 'seq', 1) })
    case ClientFrameType.Ping:
      return withId({ type: 'ping' as const })
    case ClientFrameType.React: {
      const r = room(f)
      if (f.kind !== 'like' && f.kind !== 'flower') return bad('kind must be "like" or "flower"')
      // v1.1 §B clarification: a like always counts 1, whatever count it carries.
      if (f.kind === 'like') return withId({ type: 'react' as const, room: r, kind: 'like' as const })
      let count = 1
      if (f.count !== undefined) {
        if (!isIntIn(f.count, 1, Limits.flowerMax)) return bad(`count must be a whole number from 1 to ${Limits.flowerMax}`)
        count = f.count
      }
      return withId({ type: 'react' as const, room: r, kind: 'flower' as const, count })
    }
    default:
      return bad(`unknown frame type ${JSON.stringify(String(f.type).slice(0, 40))}`)
  }
}

/** Turns an untrusted text frame into a typed frame or a precise `bad_request`. */
export function decodeClientFrame(text: string): Decoded {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, code: ErrorCode.BadRequest, message: 'frame is not valid JSON' }
  }
  if (!isPlainObject(raw)) return { ok: false, code: ErrorCode.BadRequest, message: 'frame must be a JSON object' }
  let id: RequestId | undefined
  try {
    id = requestId(raw.id)
  } catch (e) {
    return { ok: false, code: ErrorCode.BadRequest, message: (e as Error).message }
  }
  if (typeof raw.type !== 'string') return { ok: false, id, code: ErrorCode.BadRequest, message: 'type must be a string' }
  try {
    return { ok: true, frame: build(raw, id) }
  } catch (e) {
    if (e instanceof FrameError) return { ok: false, id, code: ErrorCode.BadRequest, message: e.message }
    throw e
  }
}
