// Who the user is: token and profile, kept in storage so the app reopens logged in.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LoginResponse, User } from '@chat/protocol'
import { ApiError, createApi } from '../engine/api'
import { tokenExpired } from '../engine/jwt'
import { useDeps } from './deps'

const STORAGE_KEY = 'chat.session'

/** How the user signed in: a guest cannot come back once logged out; WeChat can. */
export type LoginVia = 'guest' | 'wechat'

interface Saved {
  token: string
  user: User
  via?: LoginVia
}

export const useSessionStore = defineStore('session', () => {
  const deps = useDeps()
  const token = ref<string | null>(null)
  const user = ref<User | null>(null)
  const via = ref<LoginVia>('guest')
  const api = createApi(
    deps.http,
    () => deps.serverUrl,
    () => token.value,
  )
  const loggedIn = computed(() => !!token.value && !!user.value)

  function persist(): void {
    if (token.value && user.value)
      deps.storage.set(STORAGE_KEY, JSON.stringify({ token: token.value, user: user.value, via: via.value } satisfies Saved))
  }

  function save(res: LoginResponse, how: LoginVia = 'guest'): User {
    token.value = res.token
    user.value = res.user
    via.value = how
    persist()
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
      // Sessions saved before `via` existed were guests (WeChat login came later).
      via.value = saved.via === 'wechat' ? 'wechat' : 'guest'
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
      persist()
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

  /**
   * WeChat login when the platform has it; a server without WeChat (503) falls back to a
   * guest. `keepAvatar`: the avatar is only a default the user did not pick, so a returning
   * WeChat user keeps the picture their profile has (a new one, or one without, gets it).
   */
  async function loginAuto(name: string, avatar?: string | null, keepAvatar = false): Promise<User> {
    const code = deps.wechatCode ? await deps.wechatCode().catch(() => null) : null
    if (code) {
      try {
        const res = await api.loginWechat(code, name.trim() || undefined, keepAvatar ? undefined : avatar || undefined)
        if (!(keepAvatar && avatar && res.user.avatar === null)) return save(res, 'wechat')
        // A WeChat code is good for one login: ask for another to set the default picture.
        const again = await deps.wechatCode!().catch(() => null)
        return save(again ? await api.loginWechat(again, name.trim() || undefined, avatar) : res, 'wechat')
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 503)) throw e
      }
    }
    return login(name, avatar)
  }

  /**
   * Trades the token for a fresh one. A definite refusal (bad or expired token, banned)
   * logs out; a network failure rejects and the caller tries again later.
   */
  async function refresh(): Promise<void> {
    const old = token.value
    if (!old) return
    try {
      const res = await api.refreshToken()
      // Logged out (or in as someone else) while the call was out: not ours any more.
      if (token.value !== old) return
      token.value = res.token
      user.value = res.user
      persist()
    } catch (e) {
      if (token.value === old && e instanceof ApiError && (e.status === 401 || e.status === 403)) logout()
      throw e
    }
  }

  function logout(): void {
    token.value = null
    user.value = null
    deps.storage.remove(STORAGE_KEY)
  }

  return { token, user, via, loggedIn, api, restore, verify, refresh, login, loginAuto, logout }
})
