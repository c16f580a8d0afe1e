// v1.1 §H on one node (SQLite): read pushes, tokens, avatars, guest login, image bounds,
// slow bodies, reply size cuts, the word filter on titles, the per-connection work queue,
// TRUST_PROXY and SQLite durability. The cluster-wide rules are in abuse-multinode.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/index'
import { png } from '../helpers/images'
import {
  barrier,
  cid,
  enc,
  expectError,
  fill,
  http,
  joinedClient,
  login,
  sendText,
  sleep,
  startRoomy,
  TestClient,
  type TestServer,
} from './support'

let s: TestServer
beforeAll(async () => {
  s = await startRoomy()
})
afterAll(async () => {
  await s?.close()
})

const reads = (c: TestClient, from: number) => c.frames.slice(from).filter((f) => f.type === 'read')

describe('read pushes (§H)', () => {
  it('a read that does not raise the mark is pushed to nobody; 26 repeats make one push', async () => {
    const [alice, bob] = await Promise.all([login(s.url, 'A'), login(s.url, 'B')])
    const a = await joinedClient(s, alice.token, 'h-read')
    const b = await joinedClient(s, bob.token, 'h-read')
    await fill(a, 'h-read', 3)
    const from = a.frames.length
    const fromB = b.frames.length
    for (let i = 0; i < 26; i++) b.send({ type: 'read', room: 'h-read', seq: 2 })
    b.send({ type: 'read', room: 'h-read', seq: 1 })
    await barrier(b)
    await barrier(a)
    expect(reads(a, from)).toEqual([{ type: 'read', room: 'h-read', user: bob.user.id, seq: 2 }])
    expect(reads(b, fromB)).toEqual([{ type: 'read', room: 'h-read', user: bob.user.id, seq: 2 }])
    a.close()
    b.close()
  })

  it('a read above lastSeq is clamped to it, and once at the head further ones push nothing', async () => {
    const [alice, bob] = await Promise.all([login(s.url, 'A'), login(s.url, 'B')])
    const a = await joinedClient(s, alice.token, 'h-clamp')
    const b = await joinedClient(s, bob.token, 'h-clamp')
    await fill(a, 'h-clamp', 2)
    const from = a.frames.length
    b.send({ type: 'read', room: 'h-clamp', seq: 1000 })
    b.send({ type: 'read', room: 'h-clamp', seq: 2000 })
    await barrier(b)
    await barrier(a)
    expect(reads(a, from)).toEqual([{ type: 'read', room: 'h-clamp', user: bob.user.id, seq: 2 }])
    a.close()
    b.close()
  })
})

describe('tokens (§H)', () => {
  it.each([
    ['!! appended', (t: string) => t + '!!'],
    ['= padding appended', (t: string) => t + '='],
    ['the signature in standard base64', (t: string) => t.replace(/[^.]+$/, (sig) => Buffer.from(sig, 'base64url').toString('base64'))],
    [
      'a spare bit flipped in the last character',
      (t: string) => t.replace(/.$/, (ch) => (ch === 'A' ? 'B' : ch === 'B' ? 'A' : ch === 'E' ? 'F' : 'E')),
    ],
  ])('a token with %s is refused: 401 and close 4001', async (_what, mangle) => {
    const u = await login(s.url, 'Signer')
    const bad = mangle(u.token)
    expect(bad).not.toBe(u.token)
    expectError(await http(s.url, 'GET', '/api/me', undefined, bad), 'unauthorized')
    const c = await TestClient.open(s.wsUrl)
    c.send({ type: 'hello', token: bad })
    expect(await c.waitClose()).toBe(4001)
    expect((await http(s.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
  })
})

describe('avatars (§H replaces v1)', () => {
  it.each(['/static/avatars/3.svg', '/static/a_b-c.~/x.png', '/uploads/abc.png'])('accepts %s', async (avatar) => {
    const r = await http(s.url, 'POST', '/api/login', { name: 'Pic', avatar })
    expect(r.status).toBe(200)
    expect(r.body.user.avatar).toBe(avatar)
  })

  it.each([
    'https://evil.example/a.png',
    'http://127.0.0.1/static/avatars/1.svg',
    '//evil.example/a.png',
    '/static/../uploads/a.png',
    '/static/a/../../b',
    '/static/%2e%2e/x',
    '/uploads/../x',
  ])('refuses %s with 400 bad_request', async (avatar) => {
    expectError(await http(s.url, 'POST', '/api/login', { name: 'Pic', avatar }), 'bad_request')
  })
})

describe('GUEST_LOGIN=off (§H)', () => {
  it('POST /api/login answers 403 forbidden; tokens still work', async () => {
    const u = await login(s.url, 'Before')
    const off = await startRoomy({ GUEST_LOGIN: 'off' }, s.dataDir)
    try {
      expectError(await http(off.url, 'POST', '/api/login', { name: 'Guest' }), 'forbidden')
      expect((await http(off.url, 'GET', '/api/me', undefined, u.token)).status).toBe(200)
    } finally {
      await off.close()
    }
  })
})

describe('image bounds (§H)', () => {
  /** A PNG whose header claims w × h (the pixels are a 1×1 image's: never decoded). */
  const claims = (w: number, h: number) => {
    const b = png(1, 1)
    b.writeUInt32BE(w, 16)
    b.writeUInt32BE(h, 20)
    return b
  }
  const upload = async (data: Buffer, token: string) => {
    const form = new FormData()
    form.append('file', new Blob([data], { type: 'image/png' }), 'x.png')
    const res = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.json() }
  }

  it.each([
    [100_000, 100_000],
    [16_385, 1],
    [1, 16_385],
    [8000, 8000],
  ])('%i × %i → 415 unsupported_media', async (w, h) => {
    const u = await login(s.url, 'Uploader')
    expectError(await upload(claims(w, h), u.token), 'unsupported_media')
  })

  it('16384 × 3000 (49 Mpx) is accepted', async () => {
    const u = await login(s.url, 'Uploader')
    expect(await upload(claims(16_384, 3000), u.token)).toMatchObject({ status: 201, body: { width: 16_384, height: 3000 } })
  })
})

describe('REQUEST_TIMEOUT_MS (§H)', () => {
  it('a body that stops arriving is ended within a few seconds of the deadline; sockets stay up', async () => {
    const t = await startRoomy({ REQUEST_TIMEOUT_MS: '1000' })
    try {
      const u = await login(t.url, 'Slow')
      const ws = await joinedClient(t, u.token, 'timeout-room')
      const port = Number(new URL(t.url).port)
      const sock = net.connect(port, '127.0.0.1')
      let answer = ''
      sock.on('data', (d) => (answer += d.toString()))
      const ended = new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now())))
      await new Promise((r) => sock.once('connect', r))
      const started = Date.now()
      sock.write(`POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name"`)
      const at = await Promise.race([ended, sleep(8000).then(() => -1)])
      sock.destroy()
      expect(at).toBeGreaterThan(0)
      expect(at - started).toBeLessThan(5000)
      if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/)
      // A WebSocket is not a request: it outlives the deadline.
      await sleep(1500)
      expect(await ws.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
      ws.close()
    } finally {
      await t.close()
    }
  }, 20_000)
})

describe('reply size cut (§H)', () => {
  // 100 messages of 4000 four-byte emoji: ~1.6 MB of JSON uncut.
  const big = '😀'.repeat(4000)
  let owner: Awaited<ReturnType<typeof login>>
  let c: TestClient
  beforeAll(async () => {
    owner = await login(s.url, 'Big')
    c = await joinedClient(s, owner.token, 'h-big')
    for (let i = 0; i < 100; i++) c.send({ type: 'send', id: `b${i}`, room: 'h-big', cid: cid(), kind: 'text', body: { text: big } })
    await c.waitCount((f) => typeof f.id === 'string' && f.id.startsWith('b') && f.type === 'ack', 100, 30_000)
  }, 60_000)
  afterAll(() => c.close())

  const size = (f: unknown) => Buffer.byteLength(JSON.stringify(f))
  const seqsOf = (f: any) => f.messages.map((m: any) => m.seq)

  it('a before page keeps the newest whole messages under 1 MiB and says more', async () => {
    const h = await c.request({ type: 'history', room: 'h-big', before: 101, limit: 100 })
    expect(size(h)).toBeLessThan(1024 * 1024)
    expect(h.more).toBe(true)
    const seqs = seqsOf(h)
    expect(seqs.length).toBeGreaterThan(50)
    expect(seqs.at(-1)).toBe(100)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 101 - seqs.length + i))
    expect(h.messages.every((m: any) => m.body.text === big)).toBe(true)
  })

  it('an after page keeps the oldest', async () => {
    const h = await c.request({ type: 'history', room: 'h-big', after: 0, limit: 100 })
    expect(size(h)).toBeLessThan(1024 * 1024)
    expect(h.more).toBe(true)
    expect(seqsOf(h)[0]).toBe(1)
    // Paging on from the end of the cut page reaches the rest.
    const next = await c.request({ type: 'history', room: 'h-big', after: seqsOf(h).at(-1), limit: 100 })
    expect(seqsOf(next)[0]).toBe(seqsOf(h).at(-1) + 1)
    expect(seqsOf(next).at(-1)).toBe(100)
    expect(next.more).toBe(false)
  })

  it('over HTTP the same', async () => {
    const r = await http(s.url, 'GET', `/api/rooms/h-big/messages?limit=100`, undefined, owner.token)
    expect(size(r.body)).toBeLessThan(1024 * 1024)
    expect(r.body.more).toBe(true)
    expect(seqsOf(r.body).at(-1)).toBe(100)
    const a = await http(s.url, 'GET', `/api/rooms/h-big/messages?after=0&limit=100`, undefined, owner.token)
    expect(size(a.body)).toBeLessThan(1024 * 1024)
    expect(seqsOf(a.body)[0]).toBe(1)
  })

  it('a join with after keeps the oldest, under 1 MiB', async () => {
    const j = await TestClient.connect(s.wsUrl, owner.token)
    const r = await j.request({ type: 'join', room: 'h-big', after: 0 })
    expect(r.type).toBe('joined')
    expect(size(r)).toBeLessThan(1024 * 1024)
    expect(r.more).toBe(true)
    expect(seqsOf(r)[0]).toBe(1)
    expect(seqsOf(r).length).toBeLessThan(100)
    j.close()
  })
})

describe('the word filter on titles (§H)', () => {
  it('a room id becoming its title is filtered; evasions in texts are masked', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'words-')), 'words.txt')
    writeFileSync(file, 'badword\n坏词\n')
    const w = await startRoomy({ SENSITIVE_WORDS_FILE: file })
    try {
      const u = await login(w.url, 'Filter')
      const c = await TestClient.connect(w.wsUrl, u.token)
      const j = await c.request({ type: 'join', room: 'BadWord_x' })
      expect(j).toMatchObject({ type: 'joined', room: { id: 'BadWord_x', title: '*******_x' } })
      const texts = ['bad\u200Bword', 'ｂａｄｗｏｒｄ', '坏 词', 'a bad word here']
      for (const text of texts) await sendText(c, 'BadWord_x', text)
      const h = await c.request({ type: 'history', room: 'BadWord_x', after: 0 })
      expect(h.messages.map((m: any) => m.body.text)).toEqual(['********', '*******', '***', 'a ******** here'])
      const created = await http(w.url, 'POST', '/api/rooms', { id: 'titled', title: 'ＢＡＤ ｗｏｒｄ class' }, u.token)
      expect(created.body.title).toBe('******** class')
      c.close()
    } finally {
      await w.close()
    }
  })
})

describe('the per-connection work queue (§H Also)', () => {
  it('a client with more frames waiting than MAX_QUEUED_FRAMES is closed with 4009', async () => {
    const q = await startRoomy({ MAX_QUEUED_FRAMES: '10' })
    try {
      const u = await login(q.url, 'Flooder')
      const c = await joinedClient(q, u.token, 'q-room')
      const other = await joinedClient(q, (await login(q.url, 'Other')).token, 'q-room')
      // One burst: every frame is queued before the first store read returns.
      for (let i = 0; i < 200; i++) c.send({ type: 'history', id: i, room: 'q-room', after: 0 })
      expect(await c.waitClose()).toBe(4009)
      expect(c.frames.filter((f) => f.type === 'history').length).toBeLessThan(200)
      expect(await other.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
      const m = await (await fetch(`${q.url}/metrics`)).text()
      expect(m).toMatch(/chat_limit_refusals_total\{[^}]*limit="queue"[^}]*\} [1-9]/)
      other.close()
    } finally {
      await q.close()
    }
  })
})

describe('TRUST_PROXY (§H)', () => {
  /** Logins from the address the server derives from X-Forwarded-For (limit 2 per minute). */
  const loginVia = (t: TestServer, xff: string) =>
    fetch(`${t.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': xff },
      body: '{"name":"P"}',
    }).then((r) => r.status)

  it('N=1: the right-most X-Forwarded-For address counts (a client cannot pick its own)', async () => {
    const t = await startRoomy({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '2' })
    try {
      expect(await loginVia(t, '1.1.1.1, 9.9.9.9')).toBe(200)
      expect(await loginVia(t, '2.2.2.2, 9.9.9.9')).toBe(200)
      expect(await loginVia(t, '3.3.3.3, 9.9.9.9')).toBe(429)
      expect(await loginVia(t, '9.9.9.9, 8.8.8.8')).toBe(200)
    } finally {
      await t.close()
    }
  })

  it('N=2: the second from the right; fewer entries → the left-most', async () => {
    const t = await startRoomy({ TRUST_PROXY: '2', LOGIN_RATE_LIMIT: '1' })
    try {
      expect(await loginVia(t, '6.6.6.6, 7.7.7.7, 10.0.0.1')).toBe(200)
      expect(await loginVia(t, '1.1.1.1, 7.7.7.7, 10.0.0.2')).toBe(429)
      expect(await loginVia(t, '5.5.5.5')).toBe(200)
      expect(await loginVia(t, '5.5.5.5')).toBe(429)
    } finally {
      await t.close()
    }
  })

  it('a list: the right-most address not in it', async () => {
    const t = await startRoomy({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8', LOGIN_RATE_LIMIT: '1' })
    try {
      expect(await loginVia(t, '4.4.4.4, 10.1.1.1, 10.2.2.2')).toBe(200)
      expect(await loginVia(t, '3.3.3.3, 4.4.4.4, 10.9.9.9')).toBe(429)
    } finally {
      await t.close()
    }
  })

  it('unset: the socket address, whatever the header says', async () => {
    const t = await startRoomy({ LOGIN_RATE_LIMIT: '1' })
    try {
      expect(await loginVia(t, '1.1.1.1')).toBe(200)
      expect(await loginVia(t, '2.2.2.2')).toBe(429)
    } finally {
      await t.close()
    }
  })

  it('sockets too: the per-address cap sees the derived address', async () => {
    const t = await startRoomy({ TRUST_PROXY: '1', MAX_CONNS_PER_IP: '1' })
    try {
      const u = await login(t.url, 'Socks')
      const open = async (xff: string) => {
        const { default: WebSocket } = await import('ws')
        const c = new TestClient(new WebSocket(t.wsUrl, { headers: { 'x-forwarded-for': xff } }))
        await c.opened
        c.send({ type: 'hello', token: u.token, id: 'h' })
        await c.waitFor((f) => f.id === 'h', 5000).catch(() => null)
        return c
      }
      const first = await open('1.1.1.1, 5.5.5.5')
      const other = await open('1.1.1.1, 6.6.6.6')
      expect(other.closeCode).toBeNull()
      const same = await open('2.2.2.2, 5.5.5.5')
      expect(await same.waitClose()).toBe(4008)
      first.close()
      other.close()
    } finally {
      await t.close()
    }
  })
})

describe('SQLite durability (§H)', () => {
  it('synchronous=FULL by default; NORMAL only when asked', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sync-'))
    const pragma = async (o: { sqliteSynchronous?: 'FULL' | 'NORMAL' }) => {
      const store = await createStore({ dataDir: dir, ...o })
      try {
        const db = (store as unknown as { db: import('kysely').Kysely<any> }).db
        const r = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
        return r.rows[0].synchronous
      } finally {
        await store.close()
      }
    }
    expect(await pragma({})).toBe(2)
    expect(await pragma({ sqliteSynchronous: 'NORMAL' })).toBe(1)
  })
})

describe('dm rules on one node (§H)', () => {
  it('join and HTTP send are forbidden without a message or a common group room; either one opens it', async () => {
    const [a, b, c] = await Promise.all([login(s.url, 'DmA'), login(s.url, 'DmB'), login(s.url, 'DmC')])
    const dm = (x: string, y: string) => (x < y ? `dm:${x}:${y}` : `dm:${y}:${x}`)
    const ab = dm(a.user.id, b.user.id)
    const ca = await TestClient.connect(s.wsUrl, a.token)
    expect(await ca.request({ type: 'join', room: ab })).toMatchObject({ type: 'error', code: 'forbidden', room: ab })
    expectError(
      await http(s.url, 'POST', `/api/rooms/${enc(ab)}/messages`, { cid: cid(), kind: 'text', body: { text: 'hi' } }, a.token),
      'forbidden',
    )
    // A common group room opens it.
    await ca.request({ type: 'join', room: 'dm-meet' })
    const cb = await joinedClient(s, b.token, 'dm-meet')
    expect(await ca.request({ type: 'join', room: ab })).toMatchObject({ type: 'joined' })
    const ack = await sendText(ca, ab, 'hello')
    await ca.request({ type: 'recall', room: ab, seq: ack.seq })
    // Both leave the group: the dm has a message (recalled, still counts), so it stays open.
    await ca.request({ type: 'leave', room: 'dm-meet' })
    await cb.request({ type: 'leave', room: 'dm-meet' })
    expect(await cb.request({ type: 'join', room: ab })).toMatchObject({ type: 'joined' })
    // A third user, never met: closed.
    const ac = dm(a.user.id, c.user.id)
    const cc = await TestClient.connect(s.wsUrl, c.token)
    expect(await cc.request({ type: 'join', room: ac })).toMatchObject({ type: 'error', code: 'forbidden' })
    for (const x of [ca, cb, cc]) x.close()
  })
})
