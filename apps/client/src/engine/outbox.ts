// Sends that the server has not acked yet. Each shows at once as "sending", turns into the
// stored message on its ack, shows "failed" after a timeout, and is resent with the same
// cid after every (re)join of its room, so the server's dedupe makes resending safe.
import { checkBody, newCid, type MessageBody, type MessageKind, type User } from '@chat/protocol'
import type { Connection, RequestError } from './connection'
import { canRetry } from './refusal'
import { SendStatus, type PendingMessage, type Timeline } from './timeline'

export const ACK_TIMEOUT_MS = 10_000
/** A `rate_limited` send is tried again by itself after this (× the attempt), a few times. */
export const RATE_RETRY_MS = 3_000
export const RATE_RETRY_MAX = 3

export interface OutboxDeps {
  conn: Connection
  me: () => User | null
  timeline: (room: string) => Timeline | undefined
  ensureTimeline: (room: string) => Timeline
  touch: (room: string) => void
  isJoined: (room: string) => boolean
  join: (room: string) => Promise<void>
  /** The server refused a send (the host store learns of mutes this way). */
  refused?: (room: string, code: string, message: string) => void
  ackTimeoutMs?: number
}

export type SendResult = { ok: true; cid: string } | { ok: false; error: string; message: string }

export function createOutbox(d: OutboxDeps) {
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const rateRetries = new Map<string, number>()

  function arm(p: PendingMessage): void {
    settled(p.cid)
    timers.set(
      p.cid,
      setTimeout(() => {
        timers.delete(p.cid)
        if (p.status === SendStatus.Sending && d.timeline(p.room)?.setStatus(p.cid, SendStatus.Failed, 'timeout')) d.touch(p.room)
      }, d.ackTimeoutMs ?? ACK_TIMEOUT_MS),
    )
  }

  /** The ack (or the message itself) arrived. */
  function settled(cid: string): void {
    const t = timers.get(cid)
    if (t) clearTimeout(t)
    timers.delete(cid)
  }

  function transmit(p: PendingMessage): void {
    if (!d.isJoined(p.room)) {
      // The room's `joined` flushes the outbox; offline, the reconnect does.
      if (d.conn.isOpen) void d.join(p.room)
      return
    }
    d.conn.request({ type: 'send', room: p.room, cid: p.cid, kind: p.kind, body: p.body }).catch((e: RequestError) => {
      if (e.code === 'not_joined') return void d.join(p.room)
      if (e.code === 'offline' || e.code === 'disconnected') return
      settled(p.cid)
      if (d.timeline(p.room)?.setStatus(p.cid, SendStatus.Failed, e.code, !canRetry(e.code))) d.touch(p.room)
      d.refused?.(p.room, e.code, e.message)
      if (e.code === 'rate_limited') retryLater(p)
    })
  }

  /** Slowed down by the server: the same send again shortly, without a tap. */
  function retryLater(p: PendingMessage): void {
    const n = (rateRetries.get(p.cid) ?? 0) + 1
    if (n > RATE_RETRY_MAX) return void rateRetries.delete(p.cid)
    rateRetries.set(p.cid, n)
    setTimeout(() => {
      const now = d.timeline(p.room)?.findPending(p.cid)
      if (now?.status === SendStatus.Failed && now.error === 'rate_limited') retry(p.room, p.cid)
    }, RATE_RETRY_MS * n)
  }

  function send(room: string, kind: MessageKind, body: MessageBody): SendResult {
    const me = d.me()
    if (!me) return { ok: false, error: 'unauthorized', message: 'not logged in' }
    const checked = checkBody(kind, body)
    if (!checked.ok) return { ok: false, error: 'bad_request', message: checked.message }
    const p: PendingMessage = { room, cid: newCid(), kind, body: checked.value.body, from: me, ts: Date.now(), status: SendStatus.Sending }
    d.ensureTimeline(room).addPending(p)
    d.touch(room)
    arm(p)
    transmit(p)
    return { ok: true, cid: p.cid }
  }

  /** The user tapped a failed message: same cid, so a send that did land is not doubled. */
  function retry(room: string, cid: string): boolean {
    const tl = d.timeline(room)
    const p = tl?.findPending(cid)
    if (!tl || !p) return false
    tl.setStatus(cid, SendStatus.Sending)
    d.touch(room)
    arm(p)
    if (!d.conn.isOpen) d.conn.wake()
    transmit(p)
    return true
  }

  /** After a (re)join: resend everything still unacked in that room, in order. */
  function flush(room: string): void {
    const tl = d.timeline(room)
    if (!tl) return
    for (const p of [...tl.pending]) {
      if (p.permanent) continue
      if (p.status === SendStatus.Failed) {
        tl.setStatus(p.cid, SendStatus.Sending)
        d.touch(room)
      }
      arm(p)
      transmit(p)
    }
  }

  return { send, retry, flush, settled }
}
