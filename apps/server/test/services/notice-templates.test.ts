// v1.1 §E template data: WeChat refuses a whole subscribe message when one value breaks its
// keyword's rule (thing: at most 20 characters, no control characters; time: 2019年10月1日 15:01).
import { describe, expect, it } from 'vitest'
import type { Message } from '@chat/protocol'
import { loadConfig } from '../../src/config'
import { buildNotice, noticePage, thing, wechatTime } from '../../src/services/notice-templates'

const msg = (over: Partial<Message>): Message => ({
  room: 'r',
  seq: 1,
  cid: 'cid-00000001',
  from: { id: 'u_a', name: 'Alice', avatar: null },
  kind: 'text',
  body: { text: 'hi' },
  ts: 0,
  ...over,
})

describe('template values', () => {
  it('thing: one line, at most 20 characters (code points), … when cut, never empty', () => {
    expect(thing('  hello\nworld\t ')).toBe('hello world')
    expect(thing('a\u200bb\u0000c')).toBe('a b c')
    const emoji = '😀'.repeat(25)
    expect(Array.from(thing(emoji))).toHaveLength(20)
    expect(thing(emoji).endsWith('…')).toBe(true)
    expect(thing('一二三四五六七八九十一二三四五六七八九十')).toBe('一二三四五六七八九十一二三四五六七八九十')
    expect(thing('   ')).toBe('新消息')
  })

  it('time: China time in WeChat format, whatever the server zone', () => {
    expect(wechatTime(Date.UTC(2025, 0, 31, 16, 5))).toBe('2025年2月1日 00:05')
  })

  it('page: the chat page without a leading slash, room url-encoded', () => {
    expect(noticePage('dm:u_a:u_b')).toBe('pages/chat/chat?room=dm%3Au_a%3Au_b')
  })

  it('an image or a like in a dm is named, not left blank', () => {
    const n = buildNotice({
      kind: 'dm',
      templateId: 't',
      openid: 'o',
      roomTitle: 'x',
      message: msg({ kind: 'image', body: { url: '/uploads/a.png' } }),
    })
    expect(n.data.thing2).toEqual({ value: '[图片]' })
    const like = buildNotice({ kind: 'dm', templateId: 't', openid: 'o', roomTitle: 'x', message: msg({ kind: 'like', body: {} }) })
    expect(like.data.thing2).toEqual({ value: '[点赞]' })
  })
})

describe('settings', () => {
  it('WECHAT_TEMPLATE_* are read, unset ones absent; a malformed id stops start-up naming it', () => {
    expect(loadConfig({ WECHAT_TEMPLATE_DM: 'abc_DEF-1' }).wechatTemplates).toEqual({ dm: 'abc_DEF-1' })
    expect(() => loadConfig({ WECHAT_TEMPLATE_ANSWER: 'has space' })).toThrow(/WECHAT_TEMPLATE_ANSWER/)
    expect(loadConfig({}).limits).toMatchObject({ noticeIntervalMs: 60_000, wechatTimeoutMs: 5_000 })
    expect(() => loadConfig({ WECHAT_NOTICE_INTERVAL_MS: '10' })).toThrow(/WECHAT_NOTICE_INTERVAL_MS/)
  })
})
