/**
 * IDLE_TIMEOUT_MS: the node pings every socket (a tenth of them per tick) and drops one that
 * sent nothing — not even a pong — for that long; a quiet client that answers pings stays.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startServer, type TestServer } from '../helpers/app'
import { login, TestClient } from '../helpers/client'

let s: TestServer
beforeAll(async () => {
  s = await startServer({ IDLE_TIMEOUT_MS: '5000' })
})
afterAll(async () => {
  await s?.close()
})

async function connect(name: string, autoPong: boolean): Promise<TestClient> {
  const u = await login(s.url, name)
  const c = new TestClient(new WebSocket(s.wsUrl, { autoPong }))
  await c.opened
  expect(await c.request({ type: 'hello', token: u.token })).toMatchObject({ type: 'welcome' })
  return c
}

it('drops a socket that answers no ping within the idle timeout, and keeps one that does', async () => {
  const quiet = await connect('Quiet', true)
  const dead = await connect('Dead', false)
  const started = Date.now()
  const code = await dead.waitClose(12_000)
  const after = Date.now() - started
  expect(code).toBe(1006) // terminated: no close handshake with a peer that is gone
  expect(after).toBeGreaterThanOrEqual(4000)
  expect(quiet.closeCode).toBeNull()
  await new Promise((r) => setTimeout(r, 1500))
  expect(quiet.closeCode).toBeNull()
  quiet.close()
}, 20_000)
