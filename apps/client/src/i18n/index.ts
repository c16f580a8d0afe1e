// t('key', { name: 'Alice' }) → the current language's string with {name} filled in.
import { zhCN, type Strings } from './zh-CN'

const languages: Record<string, Strings> = { 'zh-CN': zhCN }
let current: Strings = zhCN

export function setLanguage(lang: string): void {
  current = languages[lang] ?? zhCN
}

export type StringKey = keyof Strings

export function t(key: StringKey, params?: Record<string, string | number>): string {
  const s = current[key] ?? key
  return params ? s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : s
}

/** The separator labels chat-view needs. */
export const dateLabels = {
  get yesterday() {
    return t('yesterday')
  },
  date: (m: number, d: number) => t('date', { m, d }),
}
