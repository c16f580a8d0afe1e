// Boots the real stores against the fake server, logged in as `user`.
import { createPinia, setActivePinia } from 'pinia'
import { vi } from 'vitest'
import type { User } from '@chat/protocol'
import type { HttpClient } from '../../src/engine/types'
import { useChatStore } from '../../src/stores/chat'
import { useConnectionStore } from '../../src/stores/connection'
import { provideDeps } from '../../src/stores/deps'
import { useMessagesStore } from '../../src/stores/messages'
import { useRoomsStore } from '../../src/stores/rooms'
import { useSessionStore } from '../../src/stores/session'
import { fakeDeps } from './deps'
import { FakeServer, tick } from './fake-server'

export const alice: User = { id: 'u_alice', name: 'Alice', avatar: null }
export const bob: User = { id: 'u_bob', name: 'Bob', avatar: null }

export async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms)
  await tick(20)
}

export function bootStores(opts: { server?: FakeServer; user?: User; token?: string; http?: HttpClient } = {}) {
  const server = opts.server ?? new FakeServer()
  const user = opts.user ?? alice
  const token = opts.token ?? 'tok-' + user.id
  server.addUser(token, user)
  const deps = fakeDeps(server, opts.http)
  deps.storage.set('chat.session', JSON.stringify({ token, user }))
  provideDeps(deps)
  setActivePinia(createPinia())
  const chat = useChatStore()
  chat.boot()
  return {
    server,
    deps,
    chat,
    session: useSessionStore(),
    conn: useConnectionStore(),
    messages: useMessagesStore(),
    rooms: useRoomsStore(),
  }
}
