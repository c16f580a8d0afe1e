// The server's sockets are ChatWebSocket: their own events reach the handlers without
// listeners (memory per idle connection), and everything a listener did still happens.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Connection } from '../../src/realtime/connection'
import { ChatWebSocket } from '../../src/ws/socket'
import { login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
let token: string
beforeAll(async () => {
  s = await startServer()
  token = (await login(s.url, 'Events')).token
})
afterAll(async () => {
  await s.close()
})

const until = async (ok: () => boolean, what: string) => {
  for (const end = Date.now() + 5000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function connected(): Promise<{ c: TestClient; conn: Connection }> {
  const before = new Set(s.app.hub.conns)
  const c = await TestClient.connect(s.wsUrl, token)
  const conn = [...s.app.hub.conns].find((x) => !before.has(x))!
  return { c, conn }
}

it('handles frames, pongs, errors and the close without a listener of its own', async () => {
  const { c, conn } = await connected()
  expect(conn.socket).toBeInstanceOf(ChatWebSocket)
  for (const e of ['message', 'pong', 'close', 'error']) expect(conn.socket.listenerCount(e)).toBe(0)

  expect(await c.request({ type: 'ping', id: 'p1' })).toMatchObject({ type: 'pong', id: 'p1' })

  conn.lastSeen = 0
  conn.socket.ping()
  await until(() => conn.lastSeen > 0, 'the pong to count as seen')

  // An error event with no listener would throw out of emit and crash the process.
  expect(() => conn.socket.emit('error', new Error('test: reset by peer'))).not.toThrow()

  // Someone else's listener (the shutdown drain waits like this) still hears the close.
  let heard = false
  conn.socket.once('close', () => (heard = true))
  c.close()
  await until(() => heard && !s.app.hub.conns.has(conn), 'the close to reach the listener and the hub')
  expect(conn.closed).toBe(true)
})
