// The navigation bar title in the current language: pages.json only holds the zh-CN
// default, so each page sets its own on show and again when the language switches.
import { onShow } from '@dcloudio/uni-app'
import { watch } from 'vue'
import { language, t, type StringKey } from '../i18n'

export function usePageTitle(key: StringKey | (() => string)): void {
  const title = () => (typeof key === 'function' ? key() : t(key))
  const apply = () => {
    const text = title()
    if (text) uni.setNavigationBarTitle({ title: text })
  }
  onShow(apply)
  watch(language, apply)
}
