// §1 SENSITIVE_WORDS_FILE: one word per line; matches are masked with `*`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, joinedClient, login, startRoomy, type TestClient, type TestServer } from './support'

const dir = mkdtempSync(path.join(tmpdir(), 'chat-contract-words-'))
const file = path.join(dir, 'words.txt')
let s: TestServer
let c: TestClient
let plain: TestServer

beforeAll(async () => {
  writeFileSync(file, '傻瓜\nbadword\r\n\n  spam  \n')
  s = await startRoomy({ SENSITIVE_WORDS_FILE: file })
  plain = await startRoomy()
  const u = await login(s.url, 'Filtered')
  expect((await http(s.url, 'POST', '/api/rooms', { id: 'words', title: 'w' }, u.token)).status).toBe(201)
  c = await joinedClient(s, u.token, 'words')
})
afterAll(async () => {
  c?.close()
  await s?.close()
  await plain?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function sent(kind: string, body: Record<string, unknown>) {
  const ack = await c.request({ type: 'send', room: 'words', cid: cid(), kind, body })
  expect(ack.type).toBe('ack')
  const m = await c.waitFor((f) => f.type === 'message' && f.msg.seq === ack.seq)
  return m.msg.body
}

describe('sensitive words', () => {
  it('masks each listed word with * in texts, keeping the rest', async () => {
    expect(await sent('text', { text: '你是傻瓜吗' })).toEqual({ text: '你是**吗' })
    expect(await sent('text', { text: 'no spam please' })).toEqual({ text: 'no **** please' })
  })

  it('masks in questions and answers too, and in what history returns', async () => {
    const q = await sent('question', { text: '傻瓜问题' })
    expect(q).toEqual({ text: '**问题' })
    const h = await c.request({ type: 'history', room: 'words', limit: 1 })
    expect(h.messages[0].body).toEqual({ text: '**问题' })
  })

  it('masks over HTTP sends as well', async () => {
    const u = await login(s.url, 'Bot')
    const b = await joinedClient(s, u.token, 'words')
    const r = await http(s.url, 'POST', '/api/rooms/words/messages', { cid: cid(), kind: 'text', body: { text: 'badword!' } }, u.token)
    expect(r.status).toBe(200)
    const m = await c.waitFor((f) => f.type === 'message' && f.msg.seq === r.body.seq)
    expect(m.msg.body.text).not.toContain('badword')
    expect(m.msg.body.text).toMatch(/^\*+!$/)
    b.close()
  })

  it('◆ matches without regard to case', async () => {
    const body = await sent('text', { text: 'BadWord' })
    expect(body.text).not.toMatch(/badword/i)
    expect(body.text).toMatch(/^\*+$/)
  })

  it('◆ masks guest names', async () => {
    expect((await login(s.url, '傻瓜')).user.name).toBe('**')
  })

  it('without the setting nothing is masked', async () => {
    const u = await login(plain.url, '傻瓜')
    expect(u.user.name).toBe('傻瓜')
    const p = await joinedClient(plain, u.token, 'words')
    const ack = await p.request({ type: 'send', room: 'words', cid: cid(), kind: 'text', body: { text: 'spam 傻瓜' } })
    const m = await p.waitFor((f) => f.type === 'message' && f.msg.seq === ack.seq)
    expect(m.msg.body).toEqual({ text: 'spam 傻瓜' })
    p.close()
  })
})
