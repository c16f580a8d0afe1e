import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cid, http, TestClient } from '../helpers/client'
import { startServer, type TestServer } from '../helpers/app'

let s: TestServer
beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'words-')), 'words.txt')
  writeFileSync(file, '傻瓜\nspam\n\n')
  s = await startServer({ SENSITIVE_WORDS_FILE: file })
})
afterAll(async () => {
  await s.close()
})

it('masks listed words in texts, questions, answers and names', async () => {
  const r = await http(s.url, 'POST', '/api/login', { name: 'spam大王' })
  expect(r.body.user.name).toBe('****大王')
  const c = await TestClient.connect(s.wsUrl, r.body.token)
  await http(s.url, 'POST', '/api/rooms', { id: 'words', title: '傻瓜课堂' }, r.body.token)
  await c.request({ type: 'join', room: 'words' })
  await c.request({ type: 'send', room: 'words', cid: cid(), kind: 'text', body: { text: '你个傻瓜' } })
  const q = await c.request({ type: 'send', room: 'words', cid: cid(), kind: 'question', body: { text: 'SPAM?' } })
  await c.request({ type: 'send', room: 'words', cid: cid(), kind: 'answer', body: { question: q.seq, text: '不是傻瓜' } })
  const h = await c.request({ type: 'history', room: 'words', after: 0 })
  expect(h.messages.map((m: any) => m.body.text)).toEqual(['你个**', '****?', '不是**'])
  const rooms = await http(s.url, 'GET', '/api/rooms', undefined, r.body.token)
  expect(rooms.body[0].title).toBe('**课堂')
  c.close()
})
