// EngineDeps for tests: a fake server's sockets, an in-memory storage, a scripted HTTP.
import type { EngineDeps, HttpClient, KeyValueStorage } from '../../src/engine/types'
import type { FakeServer } from './fake-server'

export function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), remove: (k) => void map.delete(k) }
}

export function fakeDeps(server: FakeServer, http?: HttpClient): EngineDeps {
  return {
    socket: server.factory,
    http: http ?? (async () => ({ status: 503, data: { error: 'unavailable', message: 'no http in this test' } })),
    storage: memoryStorage(),
    serverUrl: 'http://chat.test',
    pauseInBackground: true,
  }
}
