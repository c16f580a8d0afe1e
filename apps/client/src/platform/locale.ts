// The system language and the saved choice → the app's language; a switch saves the choice.
import { LOCALE_KEY, language, pickLocale, setLanguage, t, type Locale } from '../i18n'
import { uniStorage } from './storage'

/** `navigator.language` on H5; WeChat's own language setting (`zh_CN`, `en`) in the mini-program. */
export function systemLanguage(): string {
  // #ifdef H5
  return (typeof navigator !== 'undefined' && navigator.language) || ''
  // #endif
  // #ifndef H5
  // biome-ignore lint/correctness/noUnreachable: uni's #ifdef leaves one branch per platform
  try {
    // getAppBaseInfo is the non-deprecated source on newer base libraries.
    const base: { language?: string } = typeof uni.getAppBaseInfo === 'function' ? uni.getAppBaseInfo() : {}
    return base.language || uni.getSystemInfoSync().language || ''
  } catch {
    return ''
  }
  // #endif
}

/** H5: the document says which language it is in (screen readers, axe's html-has-lang). */
function applyToDocument(): void {
  // #ifdef H5
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language() === 'en' ? 'en' : 'zh-CN'
    document.title = t('appName')
  }
  // #endif
}

export function initLocale(): void {
  setLanguage(pickLocale(systemLanguage(), uniStorage.get(LOCALE_KEY)))
  applyToDocument()
}

export function switchLocale(to: Locale): void {
  setLanguage(to)
  uniStorage.set(LOCALE_KEY, to)
  applyToDocument()
}
