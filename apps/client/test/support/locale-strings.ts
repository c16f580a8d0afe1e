// The client's own string tables, pinned to one language, for tests that check what a page
// says: a test reads the words from zh-CN.ts / en.ts instead of hard-coding one language, so
// the same checks run in every locale (and a changed string cannot pass in one only).
import { en } from '../../src/i18n/en'
import { LOCALES, type Locale } from '../../src/i18n/locale'
import { type Strings, zhCN } from '../../src/i18n/zh-CN'

export { LOCALES, type Locale }
export type StringKey = keyof Strings

const TABLES: Record<Locale, Strings> = { 'zh-CN': zhCN, en }

/** What WeChat reports as its language for a locale (`wx.getAppBaseInfo().language`). */
export const wechatLanguage = (locale: Locale): string => (locale === 'zh-CN' ? 'zh_CN' : 'en')

/** The other locale: the one the rooms page's switch goes to. */
export const otherLocale = (locale: Locale): Locale => (locale === 'zh-CN' ? 'en' : 'zh-CN')

/** `t()` for one locale: its string with the {params} filled in, as the app renders it. */
export function stringsOf(locale: Locale): (key: StringKey, params?: Record<string, string | number>) => string {
  return (key, params = {}) => TABLES[locale][key].replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m))
}

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A locale's string as a RegExp source: its words literal, each {param} replaced by the given pattern. */
export function patternOf(locale: Locale, key: StringKey, params: Record<string, string>): string {
  return TABLES[locale][key]
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      return name !== undefined && name in params ? params[name] : literal(part)
    })
    .join('')
}
