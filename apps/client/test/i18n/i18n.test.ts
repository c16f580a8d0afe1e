// The language choice, the English table's completeness, and error codes as local words
// (a failed send's bubble: each code → its text, with or without 重试).
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '@chat/protocol'
import { en } from '../../src/i18n/en'
import { errorText, pickLocale, refusalOf, setLanguage, t, uploadFailure } from '../../src/i18n'
import { zhCN } from '../../src/i18n/zh-CN'

afterEach(() => setLanguage('zh-CN'))

describe('locale choice', () => {
  it('follows the system language: any Chinese → zh-CN, other languages → en, nothing → zh-CN', () => {
    for (const l of ['zh_CN', 'zh-CN', 'zh_TW', 'zh-Hans-CN', 'zh', 'ZH-cn']) expect(pickLocale(l)).toBe('zh-CN')
    for (const l of ['en', 'en-US', 'en_GB', 'fr-FR', 'ja']) expect(pickLocale(l)).toBe('en')
    for (const l of ['', '  ', null, undefined]) expect(pickLocale(l)).toBe('zh-CN')
  })

  it('a saved choice wins over the system language; an unknown saved value is ignored', () => {
    expect(pickLocale('zh_CN', 'en')).toBe('en')
    expect(pickLocale('en-US', 'zh-CN')).toBe('zh-CN')
    expect(pickLocale('en-US', 'de')).toBe('en')
  })

  it('en has every zh-CN key, with the same {params}', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort())
    const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
    for (const k of Object.keys(zhCN) as Array<keyof typeof zhCN>) expect([k, params(en[k])]).toEqual([k, params(zhCN[k])])
  })

  it('t() switches language', () => {
    expect(t('send')).toBe('发送')
    setLanguage('en')
    expect(t('send')).toBe('Send')
    expect(t('readBy', { n: 3 })).toBe('Read by 3')
  })
})

describe('error codes → local words', () => {
  it('every protocol code has its own text in both languages, never the server message', () => {
    for (const lang of ['zh-CN', 'en']) {
      setLanguage(lang)
      const seen = new Set<string>()
      for (const code of Object.values(ErrorCode)) {
        const text = errorText({ code, message: 'SERVER ENGLISH' })
        expect(text).not.toContain('SERVER ENGLISH')
        expect(text).not.toBe(t('errorGeneric', { code })) // a mapped text, not the fallback
        seen.add(text)
      }
      // rate_limited / muted etc. are distinct; only the client's own network codes share one.
      expect(seen.size).toBe(Object.values(ErrorCode).length)
    }
    setLanguage('zh-CN')
    expect(errorText('network')).toBe('网络不通，请检查网络')
    expect(errorText({ code: 'http_502' })).toBe('出错了（502）')
  })

  it('a send refused for good shows the reason and no retry; transient failures keep retry', () => {
    const final: Array<[string, string]> = [
      ['forbidden', '未发送：没有权限'],
      ['too_large', '未发送：内容太大了'],
      ['bad_request', '未发送：内容不符合要求'],
      ['muted', '未发送：你已被禁言'],
    ]
    for (const [code, text] of final) expect(refusalOf(code)).toEqual({ text, retry: false })
    expect(refusalOf('rate_limited')).toEqual({ text: '发送太快了，请稍后再试', retry: true })
    for (const code of ['timeout', 'offline', 'disconnected', 'internal', 'unavailable', undefined]) {
      expect(refusalOf(code)).toEqual({ text: '发送失败，点击重试', retry: true })
    }
    setLanguage('en')
    expect(refusalOf('muted')).toEqual({ text: 'Not sent: You are muted', retry: false })
  })

  it('a failed upload says why, with retry only when trying again can work', () => {
    expect(uploadFailure('too_large')).toEqual({ text: '图片太大了（最大 5 MB）', retry: false })
    expect(uploadFailure('unsupported_media')).toEqual({ text: '只能发送图片', retry: false })
    expect(uploadFailure('network')).toEqual({ text: '网络不通，图片没有发出', retry: true })
    expect(uploadFailure('unavailable').retry).toBe(true)
    expect(uploadFailure('rate_limited').retry).toBe(true)
  })
})
