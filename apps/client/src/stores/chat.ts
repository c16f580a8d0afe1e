// The app-level façade pages talk to: boot from storage, log in and out, app lifecycle
// (show/hide/network) and throttled typing. The other stores do the work.
import { defineStore, getActivePinia } from 'pinia'
import { ref } from 'vue'
import { createTokenRefresher } from '../engine/token-refresh'
import { useConnectionStore } from './connection'
import { useHostStore } from './host'
import { useMessagesStore } from './messages'
import { useNoticesStore } from './notices'
import { useQuestionsStore } from './questions'
import { useReadsStore } from './reads'
import { useRoomsStore } from './rooms'
import { useSessionStore } from './session'

export const TYPING_EVERY_MS = 3000

export const useChatStore = defineStore('chat', () => {
  const session = useSessionStore()
  const lastTyping = new Map<string, number>()
  const booted = ref(false)
  // Half-way through its life the token is traded for a fresh one (guests would lose
  // their identity with it); on start, on show, and by timer while the app runs.
  const tokens = createTokenRefresher({ token: () => session.token, refresh: () => session.refresh() })

  /** Creates the stores (so they listen before the first frame) and connects when logged in. */
  function boot(): boolean {
    useMessagesStore()
    useRoomsStore()
    useHostStore()
    useQuestionsStore()
    useReadsStore()
    booted.value = true
    if (!session.token && !session.restore()) return false
    useConnectionStore().start()
    void session.verify()
    tokens.start()
    void useNoticesStore().load()
    return true
  }

  async function login(name: string, avatar?: string | null, keepAvatar = false): Promise<void> {
    await session.loginAuto(name, avatar, keepAvatar)
    boot()
  }

  /** Forgets the user and everything loaded for them; fresh stores on the next login. */
  function logout(): void {
    tokens.stop()
    useConnectionStore().stop()
    session.logout()
    useReadsStore().drafts.clear()
    const pinia = getActivePinia()
    for (const use of [useReadsStore, useQuestionsStore, useHostStore, useMessagesStore, useRoomsStore, useConnectionStore]) {
      const s = use()
      s.$dispose()
      if (pinia) delete pinia.state.value[s.$id]
    }
    booted.value = false
  }

  const onShow = () => {
    if (!session.token) return
    tokens.check()
    useConnectionStore().wake()
  }
  const onHide = () => useConnectionStore().sleep()
  const onNetwork = (connected: boolean) => connected && onShow()

  /** At most one `typing` frame per room every few seconds. */
  function typing(room: string): void {
    const now = Date.now()
    if (now - (lastTyping.get(room) ?? 0) < TYPING_EVERY_MS) return
    if (useConnectionStore().conn.send({ type: 'typing', room })) lastTyping.set(room, now)
  }

  return { booted, boot, login, logout, onShow, onHide, onNetwork, typing }
})
