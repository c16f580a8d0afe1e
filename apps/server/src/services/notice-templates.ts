import type { Message } from '@chat/protocol'
import type { SubscribeMessage } from './wechat-subscribe'

/**
 * The data of each offline notice (v1.1 §E). WeChat checks every value against its
 * keyword's type, and refuses the whole message when one does not fit: `thing` is at most
 * 20 characters with no control characters, `time` is "2019年10月1日 15:01". The keys
 * (thing1, time4 …) are those of the templates docs/protocol.md tells an operator to
 * create; a template with other keywords would be refused with errcode 47003.
 */
export type NoticeKind = 'answer' | 'dm' | 'mention'

export const THING_MAX = 20

/** One line, no control or format characters, at most 20 characters (… when cut). */
export function thing(text: string, fallback = '新消息'): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const chars = Array.from(clean || fallback)
  return chars.length <= THING_MAX ? chars.join('') : chars.slice(0, THING_MAX - 1).join('') + '…'
}

/** WeChat's `time` format, in China time (UTC+8, no daylight saving) whatever the server's zone. */
export function wechatTime(ts: number): string {
  const d = new Date(ts + 8 * 3600_000)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** What a message says, in a few words: its text, or what kind of message it is. */
export function preview(m: Message): string {
  const b = m.body as { text?: unknown }
  if (typeof b.text === 'string') return b.text
  switch (m.kind) {
    case 'image':
      return '[图片]'
    case 'like':
      return '[点赞]'
    case 'flower':
      return '[送花]'
    default:
      return '新消息'
  }
}

/** The chat page opening the room (no leading `/`, as the contract says). */
export function noticePage(room: string): string {
  return `pages/chat/chat?room=${encodeURIComponent(room)}`
}

export interface NoticeInput {
  kind: NoticeKind
  templateId: string
  openid: string
  message: Message
  /** The room's title (mention notices name the room). */
  roomTitle: string
  /** The question an answer answers (answer notices quote it). */
  question?: Message | null
}

export function buildNotice(n: NoticeInput): SubscribeMessage {
  const m = n.message
  const data: Record<string, { value: string }> = {}
  const put = (key: string, value: string) => (data[key] = { value })
  switch (n.kind) {
    case 'answer':
      put('thing1', thing(n.question ? preview(n.question) : '你的提问'))
      put('thing2', thing(preview(m)))
      put('thing3', thing(m.from.name))
      put('time4', wechatTime(m.ts))
      break
    case 'dm':
      put('thing1', thing(m.from.name))
      put('thing2', thing(preview(m)))
      put('time3', wechatTime(m.ts))
      break
    case 'mention':
      put('thing1', thing(n.roomTitle))
      put('thing2', thing(m.from.name))
      put('thing3', thing(preview(m)))
      put('time4', wechatTime(m.ts))
      break
  }
  return { touser: n.openid, template_id: n.templateId, page: noticePage(m.room), data }
}
