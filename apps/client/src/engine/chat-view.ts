// Turns stored and optimistic messages into the small, flat objects the chat page renders.
// Only the rendered slice goes through here, so each mini-program setData stays small.
import type { Message, User } from '@chat/protocol'
import { mentionsMe } from './mentions'
import type { PendingMessage } from './timeline'

export interface ViewItem {
  /** sender + cid: stable from the optimistic entry to the stored message. */
  key: string
  seq: number
  cid: string
  kind: Message['kind']
  mine: boolean
  /** The sender's user id (their preset face when they have no picture). */
  uid: string
  name: string
  avatar: string
  initial: string
  text: string
  url: string
  count: number
  /** '' (stored), 'sending' or 'failed'. */
  status: string
  /** Why a failed send failed (an error code), '' otherwise. */
  error: string
  width: number
  height: number
  recalled: boolean
  /** Time separator shown above this message, '' for none. */
  sep: string
  /** For a question: the host's answer; for an answer: the question it answers. */
  quote: string
  /** For a question: the seq of its answer (0 while unanswered), to scroll to it. */
  answerSeq: number
  /** Someone else's text or question that @-mentions me (v1.1 §D): highlighted. */
  atMe: boolean
  ts: number
}

const SEPARATOR_GAP_MS = 5 * 60 * 1000

const pad = (n: number) => (n < 10 ? '0' + n : String(n))

/** 今天 "14:05", yesterday "昨天 14:05", older "3月2日 14:05" (labels from i18n). */
export function formatSeparator(ts: number, now: number, labels: { yesterday: string; date: (m: number, d: number) => string }): string {
  const d = new Date(ts)
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const today = new Date(now)
  today.setHours(0, 0, 0, 0)
  const start = today.getTime()
  if (ts >= start) return hm
  if (ts >= start - 86_400_000) return `${labels.yesterday} ${hm}`
  return `${labels.date(d.getMonth() + 1, d.getDate())} ${hm}`
}

export interface ViewContext {
  me: string
  now: number
  asset: (url: string) => string
  answers: ReadonlyMap<number, Message>
  lookup: (seq: number) => Message | undefined
  labels: { yesterday: string; date: (m: number, d: number) => string }
}

function bodyText(m: { body: unknown }): string {
  const t = (m.body as { text?: unknown }).text
  return typeof t === 'string' ? t : ''
}

function base(
  m: Message | PendingMessage,
  ctx: ViewContext,
  user: User,
): Omit<ViewItem, 'key' | 'seq' | 'status' | 'error' | 'recalled' | 'sep' | 'quote' | 'answerSeq'> {
  const body = m.body as { url?: string; count?: number; width?: number; height?: number }
  return {
    cid: m.cid,
    kind: m.kind,
    mine: user.id === ctx.me,
    uid: user.id,
    name: user.name,
    avatar: user.avatar ? ctx.asset(user.avatar) : '',
    initial: Array.from(user.name || '?')[0] ?? '?',
    text: bodyText(m),
    url: typeof body.url === 'string' ? ctx.asset(body.url) : '',
    count: typeof body.count === 'number' ? body.count : 1,
    width: body.width ?? 0,
    height: body.height ?? 0,
    ts: m.ts,
    atMe: user.id !== ctx.me && mentionsMe(m.body, ctx.me),
  }
}

function quoteOf(m: Message, ctx: ViewContext): string {
  if (m.recalled) return ''
  if (m.kind === 'question') return bodyText(ctx.answers.get(m.seq) ?? { body: {} })
  if (m.kind === 'answer') {
    const q = ctx.lookup((m.body as { question?: number }).question ?? 0)
    return q && !q.recalled ? bodyText(q) : ''
  }
  return ''
}

export function toViewItems(msgs: readonly Message[], pending: readonly PendingMessage[], ctx: ViewContext): ViewItem[] {
  const out: ViewItem[] = []
  let prevTs = 0
  const sep = (ts: number) => {
    const s = !prevTs || ts - prevTs > SEPARATOR_GAP_MS ? formatSeparator(ts, ctx.now, ctx.labels) : ''
    prevTs = ts
    return s
  }
  for (const m of msgs) {
    const answer = m.kind === 'question' && !m.recalled ? ctx.answers.get(m.seq) : undefined
    out.push({
      ...base(m, ctx, m.from),
      key: m.from.id + ':' + m.cid,
      seq: m.seq,
      status: '',
      error: '',
      recalled: !!m.recalled,
      sep: sep(m.ts),
      quote: quoteOf(m, ctx),
      answerSeq: answer && !answer.recalled ? answer.seq : 0,
    })
  }
  for (const p of pending) {
    out.push({
      ...base(p, ctx, p.from),
      key: p.from.id + ':' + p.cid,
      seq: 0,
      status: p.status,
      error: p.error ?? '',
      recalled: false,
      sep: sep(p.ts),
      quote: '',
      answerSeq: 0,
    })
  }
  return out
}
