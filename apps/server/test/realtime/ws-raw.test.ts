/**
 * realtime/ws-raw.ts writes pushes straight to the TCP socket behind ws's back. If an upgrade
 * of ws renames or reshapes the internals it reads, this test fails (the server would still
 * work, through the slower fallback): look at ws's Sender and update ws-raw.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { rawWriteSupported, writeRaw } from '../../src/realtime/ws-raw'
import { textFrame } from '../../src/realtime/frame'
import { startServer, type TestServer } from '../helpers/app'
import { login, TestClient } from '../helpers/client'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.close()
})

it('finds the internals it needs on the server sockets of the installed ws, and writes through them', async () => {
  const alice = await login(s.url, 'Alice')
  const c = await TestClient.connect(s.wsUrl, alice.token)
  const conn = [...s.app.hub.conns].find((x) => x.user?.id === alice.user.id)!
  expect(rawWriteSupported(conn.socket)).toBe(true)
  const got = c.waitFor((f) => f.type === 'pong' && f.ts === 42)
  // An idle socket takes the raw path; the client decodes the bytes as an ordinary frame.
  expect(writeRaw(conn.socket, textFrame(JSON.stringify({ type: 'pong', ts: 42 })))).toBe(true)
  expect(await got).toMatchObject({ type: 'pong', ts: 42 })
  c.close()
})

it('refuses (and writes nothing) on a socket without those internals', () => {
  const fake = { _socket: { write: () => true }, _sender: { _state: 'busy' } }
  expect(rawWriteSupported(fake as never)).toBe(false)
  expect(writeRaw(fake as never, Buffer.from('x'))).toBe(false)
})
