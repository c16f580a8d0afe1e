import { Writable } from 'node:stream'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../src/app'
import { loadConfig } from '../../src/config'
import { cid, http, login, TestClient } from '../helpers/client'

const lines: string[] = []
let app: Awaited<ReturnType<typeof buildApp>>
let url = ''
let dir = ''

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chat-logs-'))
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, ADMIN_TOKEN: 'admin-secret-token-123', LOG_LEVEL: 'trace' })
  // The production logger (redaction included), written to memory at trace level.
  app = await buildApp(config, { logStream: stream })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})
afterAll(async () => {
  await app.close()
  rmSync(dir, { recursive: true, force: true })
})

it('never writes a token, the admin token or a Bearer header to the log, even at trace level', async () => {
  const u = await login(url, 'Logged')
  await http(url, 'GET', '/api/me', undefined, u.token)
  await http(url, 'GET', '/api/me', undefined, 'not-a-real-token-but-secret')
  await http(url, 'DELETE', `/api/admin/bans/${u.user.id}`, undefined, 'admin-secret-token-123')
  const c = await TestClient.connect(url.replace('http', 'ws') + '/ws', u.token)
  await c.request({ type: 'join', room: 'logged' })
  await c.request({ type: 'send', room: 'logged', cid: cid(), kind: 'text', body: { text: 'hi' } })
  c.close()
  await c.waitClose()
  const all = lines.join('')
  expect(lines.length).toBeGreaterThan(3)
  expect(all).toContain('/api/me')
  expect(all).not.toContain(u.token)
  expect(all).not.toContain(u.token.split('.')[2])
  expect(all).not.toContain('not-a-real-token-but-secret')
  expect(all).not.toContain('admin-secret-token-123')
  expect(all).not.toMatch(/Bearer\s+\S/)
})
