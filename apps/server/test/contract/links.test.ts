// v1.1 §F, the server's part: the H5 deep link `/#/pages/chat/chat?room=…&invite=…` is the
// H5 app's page (the part after `#` never reaches the server), so `/` — with or without a
// query a share tool may add — must serve the built app's index.html.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRoomy, type TestServer } from './support'

const dir = mkdtempSync(path.join(tmpdir(), 'chat-h5-'))
const INDEX = '<!doctype html><html><body><div id="app">h5-deep-link-marker</div></body></html>'
let s: TestServer
beforeAll(async () => {
  writeFileSync(path.join(dir, 'index.html'), INDEX)
  s = await startRoomy({ CLIENT_DIR: dir })
})
afterAll(async () => {
  await s?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('H5 deep links', () => {
  it.each(['/', '/?room=physics-101&invite=abcd1234', '/index.html?room=dm%3Au_a%3Au_b'])('GET %s serves the H5 app', async (p) => {
    const res = await fetch(s.url + p)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await res.text()).toContain('h5-deep-link-marker')
  })
})
