// Who the user is: token and profile, kept in storage so the app reopens logged in.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LoginResponse, User } from '@chat/protocol'
import { ApiError, createApi } from '../engine/api'
import { tokenExpired } from '../engine/jwt'
import { useDeps } from './deps'

const STORAGE_KEY = 'chat.session'

interface Saved {
  token: string
  user: User
}

export const useSessionStore = defineStore('session', () => {
  const deps = useDeps()
  const token = ref<string | null>(null)
  const user = ref<User | null>(null)
  const api = createApi(deps.http, () => deps.serverUrl, () => token.value)
  const loggedIn = computed(() => !!token.value && !!user.value)

  function save(res: LoginResponse): User {
    token.value = res.token
    user.value = res.user
    deps.storage.set(STORAGE_KEY, JSON.stringify({ token: res.token, user: res.user } satisfies Saved))
    return res.user
  }

  /** Loads the saved session; false when there is none or its token has expired. */
  function restore(): boolean {
    const raw = deps.storage.get(STORAGE_KEY)
    if (!raw) return false
    try {
      const saved = JSON.parse(raw) as Saved
      if (typeof saved?.token !== 'string' || !saved.user?.id || tokenExpired(saved.token)) throw new Error('stale')
      token.value = saved.token
      user.value = saved.user
      return true
    } catch {
      deps.storage.remove(STORAGE_KEY)
      return false
    }
  }

  /**
   * Confirms the restored token with the server. Only a definite refusal logs out: with
   * no network the user keeps the saved session and the socket retries.
   */
  async function verify(): Promise<boolean> {
    if (!token.value) return false
    try {
      const me = await api.me()
      user.value = me
      deps.storage.set(STORAGE_KEY, JSON.stringify({ token: token.value, user: me }))
      return true
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        logout()
        return false
      }
      return true
    }
  }

  async function login(name: string, avatar?: string | null): Promise<User> {
    return save(await api.login(name.trim(), avatar || undefined))
  }

  /** WeChat login when the platform has it; a server without WeChat (503) falls back to a guest. */
  async function loginAuto(name: string, avatar?: string | null): Promise<User> {
    const code = deps.wechatCode ? await deps.wechatCode().catch(() => null) : null
    if (code) {
      try {
        return save(await api.loginWechat(code, name.trim() || undefined, avatar || undefined))
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 503)) throw e
      }
    }
    return login(name, avatar)
  }

  function logout(): void {
    token.value = null
    user.value = null
    deps.storage.remove(STORAGE_KEY)
  }

  return { token, user, loggedIn, api, restore, verify, login, loginAuto, logout }
})
