// The string table in use. t('key', { name: 'Alice' }) → the current language's string with {name} filled in.
// The language is a Vue ref, so every template that calls t() re-renders on a switch.
import { shallowRef } from 'vue'
import { en } from './en'
import type { Locale } from './locale'
import { zhCN, type Strings } from './zh-CN'

const languages: Record<Locale, Strings> = { 'zh-CN': zhCN, en }
const current = shallowRef<Locale>('zh-CN')

export function setLanguage(lang: string): void {
  current.value = lang in languages ? (lang as Locale) : 'zh-CN'
}

export function language(): Locale {
  return current.value
}

export type StringKey = keyof Strings

export function t(key: StringKey, params?: Record<string, string | number>): string {
  const s = languages[current.value][key] ?? zhCN[key] ?? key
  return params ? s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : s
}

/** The separator labels chat-view needs. */
export const dateLabels = {
  get yesterday() {
    return t('yesterday')
  },
  date: (m: number, d: number) => t('date', { m, d }),
}
