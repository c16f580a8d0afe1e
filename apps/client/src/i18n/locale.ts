// Which language to show: a choice saved on the rooms page wins, else the system language.
export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

/** Storage key of the user's own choice (the switch on the rooms page). */
export const LOCALE_KEY = 'chat.locale'

/**
 * WeChat reports `zh_CN` / `zh_TW` / `en`, browsers `zh-CN` / `zh-Hans-CN` / `en-US`.
 * Any Chinese → zh-CN (the only Chinese we have); any other known language → English,
 * which more non-Chinese readers follow than Chinese; nothing at all → zh-CN (the
 * app's home audience, and what WeChat devtools report when unset).
 */
export function pickLocale(system: string | null | undefined, saved?: string | null): Locale {
  if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale
  const lang = (system ?? '').trim().toLowerCase().replace('_', '-')
  if (!lang) return 'zh-CN'
  return lang === 'zh' || lang.startsWith('zh-') ? 'zh-CN' : 'en'
}
