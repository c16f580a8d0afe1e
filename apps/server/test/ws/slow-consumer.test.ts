import { afterAll, beforeAll, expect, it } from 'vitest'
import { cid, login, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
beforeAll(async () => {
  s = await startServer({ MAX_SEND_BUFFER_BYTES: String(256 * 1024), SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000' })
})
afterAll(async () => {
  await s.close()
})

it('closes a socket that stops reading with 4009, and keeps serving the others', async () => {
  const writer = await login(s.url, 'Writer')
  const sleeper = await login(s.url, 'Sleeper')
  const w = await TestClient.connect(s.wsUrl, writer.token)
  const z = await TestClient.connect(s.wsUrl, sleeper.token)
  await w.request({ type: 'join', room: 'flood' })
  await z.request({ type: 'join', room: 'flood' })
  // Stop reading: the kernel buffers fill, then the server's send buffer grows.
  const raw = (z.ws as unknown as { _socket: { pause(): void } })._socket
  raw.pause()

  const text = '满'.repeat(4000)
  let sent = 0
  const serverSide = [...s.app.hub.conns].find((c) => c.user?.id === sleeper.user.id)!
  expect(serverSide.closed).toBe(false)
  while (!serverSide.closed && sent < 3000) {
    const batch = []
    for (let i = 0; i < 50; i++) batch.push(w.request({ type: 'send', room: 'flood', cid: cid(), kind: 'text', body: { text } }, 20_000))
    await Promise.all(batch)
    sent += 50
  }
  expect(serverSide.closed).toBe(true)
  expect(sent).toBeLessThan(3000)
  // Once it reads again it finds the close code behind the data it had not read.
  ;(raw as unknown as { resume(): void }).resume()
  expect(await z.waitClose(15_000)).toBe(4009)

  // The writer is untouched and every message is stored.
  expect(await w.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  const h = await w.request({ type: 'history', room: 'flood', limit: 1 })
  expect(h.messages[0].seq).toBe(sent)
  w.close()
}, 120_000)
