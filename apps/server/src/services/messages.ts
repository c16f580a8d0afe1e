import { ErrorCode, Limits, type Message, type MessageBody, type MessageKind } from '@chat/protocol'
import { fail } from '../lib/errors'
import type { RateLimiter } from '../limits/types'
import type { Turn } from '../realtime/connection'
import type { MemberRecord, Store } from '../store/types'
import type { ContentFilter } from './content-filter'
import { assertNotBlocked } from './dm-policy'
import { isModerator } from './rooms'

export interface SendInput {
  room: string
  cid: string
  kind: MessageKind
  body: MessageBody
}

export interface SendDeps {
  store: Store
  limiter: RateLimiter
  filter: ContentFilter
  uploadExists(url: string): Promise<boolean>
  /** External moderation of a text (WeChat msgSecCheck, which needs the sender's openid), when configured. */
  checkText?(text: string, openid: string | null): Promise<void>
  sensitiveMode: 'mask' | 'reject'
  limits: { sendPerWindow: number; sendWindowMs: number }
  /** A newly stored message, after its ack: to this node's and the other nodes' sockets. */
  publish(message: Message): void
  /**
   * Told of every newly stored message once the caller has acked it (v1.1 §E offline
   * notices; set by plugins/app/notices.ts). Never awaited: nothing waits on WeChat.
   */
  notify?(message: Message): void
}

/** Who sends: the socket's user (openid kept from its hello) or the HTTP request's. */
export interface Sender {
  id: string
  openid: string | null
}

/**
 * The one send path, for the socket and HTTP alike: checks, the durable append, then
 * `ack(message)`, then — unless it was a duplicate, whose original was published when it
 * was stored — the publish and the offline notices. Store → ack → publish, in one place.
 */
export async function sendMessage(
  d: SendDeps,
  sender: Sender,
  memberOf: MemberRecord | Promise<MemberRecord>,
  input: SendInput,
  ack: (message: Message) => void,
  now = Date.now(),
  /**
   * A socket's place among its own frames (realtime/connection.ts): released once the append
   * is queued at the store, so the next send may start; the ack waits for `after` (the
   * replies to the frames before this one), so acks keep request order.
   */
  turn?: Turn,
): Promise<Message> {
  const { message, duplicate } = await storeMessage(d, sender, memberOf, input, now, turn)
  // The sender's own socket sees its ack before the message's push (the publish below).
  if (turn) await turn.after
  ack(message)
  if (duplicate) return message
  d.publish(message)
  const notify = d.notify
  // setImmediate: the caller has written its ack (socket) or will in the next microtasks
  // (HTTP); notices start only after that, and never hold up the reply.
  if (notify) setImmediate(() => notify(message))
  return message
}

async function storeMessage(
  d: SendDeps,
  sender: Sender,
  memberOf: MemberRecord | Promise<MemberRecord>,
  input: SendInput,
  now: number,
  turn: Turn | undefined,
): Promise<{ message: Message; duplicate: boolean }> {
  const userId = sender.id
  let body: MessageBody
  // The rate-limit hit (Redis) and the membership read (the store) go out together: one
  // round trip less before the ack. A refused send still counts against the rate.
  const allowed = d.limiter.hit(`send:${userId}`, d.limits.sendPerWindow, d.limits.sendWindowMs, true)
  allowed.catch(() => {}) // awaited below unless the membership read fails first
  // v1.1 §H: a dm's block (services/dm-policy.ts) is read alongside too, refused in its turn below.
  const notBlocked = assertNotBlocked(d.store, input.room, userId)
  notBlocked.catch(() => {})
  const member = await memberOf
  try {
    if (member.mutedUntil !== null && member.mutedUntil > now) {
      return fail(ErrorCode.Muted, `muted in this room until ${new Date(member.mutedUntil).toISOString()}`)
    }
    // 全员禁言 (v1.1 §A): every kind, from anyone but the owner and admins.
    if (member.mutedAll && !isModerator(member)) return fail(ErrorCode.Muted, 'the room is muted: only its hosts can send')
    if (!(await allowed)) return fail(ErrorCode.RateLimited, 'sending too fast, slow down')
    await notBlocked
    body = await checkKind(d, member, input)
    if ('text' in body && d.checkText) await d.checkText(body.text, sender.openid)
  } catch (err) {
    // A retry of a stored message gets its ack whatever mutes, limits and checks say now.
    // Looked up only when a check refuses: the append dedupes by itself, so the common path
    // costs one store round trip less (a retry does count against the send rate).
    const original = await d.store.findByCid(input.room, userId, input.cid).catch(() => null)
    if (original) return { message: original, duplicate: true }
    throw err
  }
  const stored = d.store.appendMessage({ room: input.room, senderId: userId, cid: input.cid, kind: input.kind, body, ts: now })
  if (turn && d.store.appendsInCallOrder) turn.release()
  return stored
}

async function checkKind(d: SendDeps, member: MemberRecord, input: SendInput): Promise<MessageBody> {
  const body = input.body as Record<string, unknown>
  switch (input.kind) {
    case 'text':
    case 'question': {
      const text = cleanText(d, body.text as string)
      // §D: only current members, in the order given, no duplicates (checkBody removed
      // those and refused over 20); none left → no field. One query, only when mentioning.
      const asked = Array.isArray(body.mentions) ? [...new Set(body.mentions as string[])] : []
      const mentions = asked.length ? await d.store.membersAmong(input.room, asked) : []
      return mentions.length ? { text, mentions } : { text }
    }
    case 'answer': {
      if (!isModerator(member)) return fail(ErrorCode.Forbidden, "only the room's owner or admins answer questions")
      const q = await d.store.getMessage(input.room, body.question as number)
      if (q?.kind !== 'question') return fail(ErrorCode.BadRequest, 'body.question is not the seq of a question in this room')
      return { question: body.question as number, text: cleanText(d, body.text as string) }
    }
    case 'image':
      if (!(await d.uploadExists(body.url as string))) return fail(ErrorCode.BadRequest, 'body.url is not an upload of this server')
      return input.body
    default:
      return input.body
  }
}

/** Masks listed words with `*`, or refuses the text in reject mode. */
function cleanText(d: SendDeps, text: string): string {
  if (d.sensitiveMode === 'reject' && d.filter.matches(text)) return fail(ErrorCode.BadRequest, 'the text contains a blocked word')
  return d.filter.clean(text)
}

export async function recallMessage(
  store: Store,
  userId: string,
  member: MemberRecord,
  room: string,
  seq: number,
  now = Date.now(),
): Promise<Message> {
  const msg = await store.getMessage(room, seq)
  if (!msg) return fail(ErrorCode.NotFound, 'no such message')
  if (!isModerator(member)) {
    if (msg.from.id !== userId) return fail(ErrorCode.Forbidden, 'only the author or a moderator can recall this message')
    if (now - msg.ts > Limits.recallWindowMs) return fail(ErrorCode.TooLate, 'messages can be recalled within 2 minutes')
  }
  if (!msg.recalled) await store.recallMessage(room, seq)
  return msg
}
