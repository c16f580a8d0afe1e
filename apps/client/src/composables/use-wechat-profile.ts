// The mini-program's own profile pickers: WeChat's nickname (`<input type="nickname">`) and
// avatar (`<button open-type="chooseAvatar">`, a temporary file). The server only takes
// avatars that are paths on it, so the picked file is uploaded once logged in, and the
// WeChat login is repeated with the resulting `/uploads/…` path (it updates the profile).
import { ref } from 'vue'
import { hasWechatLogin } from '../platform/env'
import { uploadImage } from '../platform'
import { useDeps } from '../stores/deps'
import { useSessionStore } from '../stores/session'

export function useWechatProfile() {
  /** The chosen avatar's temporary file ('' until one is chosen). */
  const avatarFile = ref('')
  const detailOf = (e: Event) => (e as unknown as { detail?: { avatarUrl?: string; value?: string } }).detail ?? {}

  function onChooseAvatar(e: Event): void {
    const url = detailOf(e).avatarUrl
    if (url) avatarFile.value = url
  }

  /** WeChat fills the nickname without always firing `input`: read it on blur too. */
  function nicknameOf(e: Event): string | null {
    const v = detailOf(e).value
    return typeof v === 'string' ? v : null
  }

  /**
   * After a WeChat login: uploads the chosen avatar and makes it the profile's. A failure
   * keeps the login (the preset face stays); a guest has no way to change it later.
   */
  async function applyAvatar(name: string): Promise<boolean> {
    const session = useSessionStore()
    const deps = useDeps()
    if (!avatarFile.value || !session.token || session.via !== 'wechat') return false
    try {
      const up = await uploadImage(deps.serverUrl, session.token, avatarFile.value).done
      await session.loginAuto(name, up.url)
      return true
    } catch {
      return false
    }
  }

  return { wechatProfile: hasWechatLogin, avatarFile, onChooseAvatar, nicknameOf, applyAvatar }
}
