// The app's one socket as reactive state: the banner reads `state`, the other stores
// listen to `conn` for frames and register what to resume.
import { defineStore } from 'pinia'
import { computed, markRaw, ref } from 'vue'
import { Connection, ConnState } from '../engine/connection'
import { socketUrl } from '../engine/server-url'
import { useDeps } from './deps'
import { useSessionStore } from './session'

export const useConnectionStore = defineStore('connection', () => {
  const deps = useDeps()
  const session = useSessionStore()
  const resumers: Array<() => Record<string, number>> = []

  const conn = markRaw(
    new Connection({
      url: () => socketUrl(deps.serverUrl),
      socket: deps.socket,
      token: () => session.token,
      resume: () => Object.assign({}, ...resumers.map((f) => f())),
    }),
  )

  const state = ref<ConnState>(conn.state)
  const retryAt = ref(0)
  /** Set when the server refused us for good (4001 bad token, 4003 banned). */
  const fatal = ref<number | null>(null)
  const everOpened = ref(false)

  conn.on('state', (s) => {
    state.value = s
    retryAt.value = conn.retryAt
    if (s === ConnState.Open) everOpened.value = true
  })
  conn.on('fatal', ({ code }) => {
    fatal.value = code
    // A refused token is useless: back to the login page.
    session.logout()
  })

  const live = computed(() => state.value === ConnState.Open)

  function onResume(fn: () => Record<string, number>): void {
    resumers.push(fn)
  }

  function start(): void {
    fatal.value = null
    conn.start()
  }

  function stop(): void {
    conn.stop()
  }

  /** App shown again / network back. */
  function wake(): void {
    if (session.token) conn.wake()
  }

  /** App hidden: mini-programs get frozen, so close cleanly and resume on show. */
  function sleep(): void {
    if (deps.pauseInBackground) conn.pause()
  }

  return { conn, state, retryAt, fatal, live, everOpened, onResume, start, stop, wake, sleep }
})
