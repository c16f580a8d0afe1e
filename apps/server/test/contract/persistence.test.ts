// §1 DATA_DIR / JWT_SECRET "generated once and kept in DATA_DIR", §3.3 membership "across
// connections and restarts", §3.4 seq: a new server on the same DATA_DIR carries on.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cid,
  fill,
  http,
  joinedClient,
  login,
  range,
  roomEntry,
  sendText,
  seqs,
  startRoomy,
  TestClient,
  type Login,
  type TestServer,
} from './support'

const ADMIN_TOKEN = 'persist-admin-token-0123456789'
const dir = mkdtempSync(path.join(tmpdir(), 'chat-contract-persist-'))
let s: TestServer
let owner: Login, bob: Login, carol: Login
const before: Record<string, any> = {}
const retryCid = cid()
let retryAck: any

beforeAll(async () => {
  s = await startRoomy({ ADMIN_TOKEN }, dir)
  owner = await login(s.url, 'Owner')
  bob = await login(s.url, 'Bob')
  carol = await login(s.url, 'Carol')
  expect((await http(s.url, 'POST', '/api/rooms', { id: 'p-live', title: '持久' }, owner.token)).status).toBe(201)
  const o = await joinedClient(s, owner.token, 'p-live', 'p-chat')
  const b = await joinedClient(s, bob.token, 'p-live', 'p-chat', 'p-left')
  const c = await joinedClient(s, carol.token, 'p-live')
  await fill(o, 'p-live', 40)
  await fill(b, 'p-chat', 5)
  retryAck = await b.request({ type: 'send', room: 'p-chat', cid: retryCid, kind: 'text', body: { text: 'retry me later' } })
  const recalled = await sendText(b, 'p-live', 'to be recalled')
  await b.request({ type: 'recall', room: 'p-live', seq: recalled.seq })
  before.recalledSeq = recalled.seq
  expect((await http(s.url, 'POST', '/api/rooms/p-live/admins', { userId: bob.user.id }, owner.token)).status).toBe(204)
  expect((await http(s.url, 'POST', '/api/rooms/p-live/mutes', { userId: carol.user.id, seconds: 3600 }, owner.token)).status).toBe(204)
  const form = new FormData()
  form.append(
    'file',
    new Blob([Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')], { type: 'image/gif' }),
    'dot.gif',
  )
  const up = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${bob.token}` } })
  before.upload = up.status === 201 ? ((await up.json()) as { url: string }).url : null
  b.send({ type: 'read', room: 'p-live', seq: 10 })
  await b.waitFor((f) => f.type === 'read' && f.user === bob.user.id)
  await b.request({ type: 'leave', room: 'p-left' })
  const banned = await login(s.url, 'Banned')
  before.banned = banned
  expect((await http(s.url, 'POST', '/api/admin/bans', { userId: banned.user.id }, ADMIN_TOKEN)).status).toBe(204)

  for (const u of [owner, bob, carol]) before[u.user.id] = (await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body
  before.live = (await http(s.url, 'GET', '/api/rooms/p-live/messages?after=0&limit=100', undefined, owner.token)).body
  before.chat = (await http(s.url, 'GET', '/api/rooms/p-chat/messages?after=0&limit=100', undefined, owner.token)).body
  for (const x of [o, b, c]) x.close()

  await s.close()
  s = await startRoomy({ ADMIN_TOKEN }, dir) // a new server process state, the same DATA_DIR
})
afterAll(async () => {
  await s?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a server restarted on the same DATA_DIR', () => {
  it('accepts the tokens it issued before (HTTP and socket)', async () => {
    for (const u of [owner, bob, carol])
      expect(await http(s.url, 'GET', '/api/me', undefined, u.token)).toMatchObject({ status: 200, body: u.user })
    const c = await TestClient.open(s.wsUrl)
    expect(await c.request({ type: 'hello', token: bob.token })).toMatchObject({ type: 'welcome', user: bob.user })
    c.close()
  })

  it('keeps every message, byte for byte, including the recall', async () => {
    expect((await http(s.url, 'GET', '/api/rooms/p-live/messages?after=0&limit=100', undefined, owner.token)).body).toEqual(before.live)
    expect((await http(s.url, 'GET', '/api/rooms/p-chat/messages?after=0&limit=100', undefined, owner.token)).body).toEqual(before.chat)
    expect(before.live.messages.find((m: any) => m.seq === before.recalledSeq)).toMatchObject({ recalled: true, body: {} })
  })

  it('keeps memberships, read marks and unread counts (room lists are unchanged)', async () => {
    for (const u of [owner, bob, carol]) {
      expect((await http(s.url, 'GET', '/api/rooms', undefined, u.token)).body).toEqual(before[u.user.id])
    }
    expect((await roomEntry(s, bob.token, 'p-live')).unread).toBe(30) // 11–40 by the owner; his own recalled one excluded either way
    expect(await roomEntry(s, bob.token, 'p-left')).toBeUndefined()
  })

  it("continues each room's seq where it stopped", async () => {
    const o = await joinedClient(s, owner.token, 'p-live', 'p-chat')
    const lastLive = before.live.messages.at(-1).seq
    const lastChat = before.chat.messages.at(-1).seq
    expect((await sendText(o, 'p-live', 'after restart')).seq).toBe(lastLive + 1)
    expect((await sendText(o, 'p-chat', 'after restart')).seq).toBe(lastChat + 1)
    const h = await o.request({ type: 'history', room: 'p-live', after: 0, limit: 100 })
    expect(seqs(h.messages)).toEqual(range(1, lastLive + 1))
    o.close()
  })

  it('still dedupes a retry of a cid stored before the restart', async () => {
    const b = await joinedClient(s, bob.token, 'p-chat')
    const again = await b.request({ type: 'send', room: 'p-chat', cid: retryCid, kind: 'text', body: { text: 'retry me later' } })
    expect(again).toMatchObject({ type: 'ack', seq: retryAck.seq, ts: retryAck.ts })
    const viaHttp = await http(s.url, 'POST', '/api/rooms/p-chat/messages', { cid: retryCid, kind: 'like', body: {} }, bob.token)
    expect(viaHttp.body).toMatchObject({ seq: retryAck.seq, ts: retryAck.ts })
    b.close()
  })

  it('keeps owners, admins, mutes and bans', async () => {
    const c = await joinedClient(s, carol.token, 'p-live')
    expect(await sendText(c, 'p-live', 'still muted?')).toMatchObject({ type: 'error', code: 'muted' })
    // Bob is still an admin: he may lift the mute; the owner still may moderate.
    expect((await http(s.url, 'POST', '/api/rooms/p-live/mutes', { userId: carol.user.id, seconds: 0 }, bob.token)).status).toBe(204)
    expect(await sendText(c, 'p-live', 'free')).toMatchObject({ type: 'ack' })
    expect(await http(s.url, 'GET', '/api/me', undefined, before.banned.token)).toMatchObject({ status: 403, body: { error: 'forbidden' } })
    c.close()
  })

  it('keeps uploaded files (DATA_DIR holds them): still served, still accepted in image messages', async () => {
    expect(before.upload).toMatch(/^\/uploads\//)
    const res = await fetch(s.url + before.upload)
    expect(res.status).toBe(200)
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('GIF89a')
    const b = await joinedClient(s, bob.token, 'p-chat')
    expect(await b.request({ type: 'send', room: 'p-chat', cid: cid(), kind: 'image', body: { url: before.upload } })).toMatchObject({
      type: 'ack',
    })
    b.close()
  })

  it('a resume from before the restart gets exactly the messages after it', async () => {
    const lastLive = before.live.messages.at(-1).seq
    const d = await TestClient.open(s.wsUrl)
    d.send({ type: 'hello', token: carol.token, resume: { 'p-live': lastLive } })
    const j = await d.waitFor((f) => f.type === 'joined')
    expect(j.messages.map((m: any) => m.body.text)).toEqual(['after restart', 'free'])
    d.close()
  })
})
