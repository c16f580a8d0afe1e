// v1.1 §G's HTTP surface for operators: CORS from ALLOWED_ORIGINS, METRICS_TOKEN, probes
// logged at debug, and uploads served with an ETag and for good.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app'
import { loadConfig } from '../../src/config'
import { startServer, type TestServer } from '../helpers/app'
import { login } from '../helpers/client'
import { png } from '../helpers/images'

const H5 = 'https://h5.example.com'
const OTHER = 'https://evil.example.net'

describe('CORS (ALLOWED_ORIGINS)', () => {
  let s: TestServer
  let plain: TestServer
  beforeAll(async () => {
    s = await startServer({ ALLOWED_ORIGINS: `${H5}, https://second.example.org` })
    plain = await startServer()
  })
  afterAll(async () => {
    await s?.close()
    await plain?.close()
  })

  const preflight = (base: string, origin: string, path = '/api/rooms', method = 'POST') =>
    fetch(base + path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
    })

  it('answers a preflight from a listed origin with 204, that origin, and Authorization and Content-Type by name', async () => {
    for (const [path, method] of [
      ['/api/rooms', 'POST'],
      ['/api/rooms/x', 'PATCH'],
      ['/api/admin/bans/u_1', 'DELETE'],
      ['/api/uploads', 'POST'],
    ]) {
      const r = await preflight(s.url, H5, path, method)
      expect(r.status).toBe(204)
      expect(r.headers.get('access-control-allow-origin')).toBe(H5)
      const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type']))
      expect(allowed).not.toContain('*')
      expect(r.headers.get('access-control-allow-methods')).toContain(method)
      expect(r.headers.get('vary')).toMatch(/origin/i)
    }
    expect((await preflight(s.url, 'https://second.example.org')).headers.get('access-control-allow-origin')).toBe(
      'https://second.example.org',
    )
  })

  it('gives a listed origin its own origin on real requests, and other origins no such header', async () => {
    const u = await login(s.url, 'Cors')
    const ok = await fetch(`${s.url}/api/rooms`, { headers: { origin: H5, authorization: `Bearer ${u.token}` } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(H5)
    const other = await fetch(`${s.url}/api/rooms`, { headers: { origin: OTHER, authorization: `Bearer ${u.token}` } })
    expect(other.status).toBe(200)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const otherPre = await preflight(s.url, OTHER)
    expect(otherPre.headers.get('access-control-allow-origin')).toBeNull()
    expect(otherPre.headers.get('access-control-allow-headers')).toBeNull()
    // A near miss is another origin.
    for (const o of [`${H5}:8443`, 'http://h5.example.com', `${H5}.evil.net`]) {
      expect((await preflight(s.url, o)).headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('sends no CORS headers at all without ALLOWED_ORIGINS', async () => {
    const r = await preflight(plain.url, H5)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
    const u = await login(plain.url, 'NoCors')
    const g = await fetch(`${plain.url}/api/rooms`, { headers: { origin: H5, authorization: `Bearer ${u.token}` } })
    expect(g.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('METRICS_TOKEN', () => {
  let s: TestServer
  let open: TestServer
  beforeAll(async () => {
    s = await startServer({ METRICS_TOKEN: 'scrape-secret-123' })
    open = await startServer()
  })
  afterAll(async () => {
    await s?.close()
    await open?.close()
  })

  it('makes /metrics answer 401 without the bearer token or with a wrong one, 200 with it', async () => {
    const none = await fetch(`${s.url}/metrics`)
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: 'unauthorized' })
    expect(await none.text().catch(() => '')).not.toContain('chat_connections')
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-12' } })).status).toBe(401)
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-1234' } })).status).toBe(401)
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'scrape-secret-123' } })).status).toBe(401)
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-123' } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('chat_connections')
    // The probes stay open: a load balancer has no token.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200)
  })

  it('leaves /metrics open when unset', async () => {
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200)
  })
})

describe('probe logging', () => {
  async function withLogs(level: string, fn: (url: string) => Promise<void>): Promise<Record<string, any>[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-probe-log-'))
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const app = await buildApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: level, METRICS_TOKEN: 'tok-123' }), {
      logStream: stream,
    })
    try {
      await app.listen({ port: 0, host: '127.0.0.1' })
      const addr = app.server.address()
      await fn(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`)
    } finally {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    }
    return lines.flatMap((l) =>
      l
        .split('\n')
        .filter(Boolean)
        .map((x) => JSON.parse(x) as Record<string, any>),
    )
  }

  const probes = async (url: string) => {
    await fetch(`${url}/healthz`)
    await fetch(`${url}/readyz`)
    await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer tok-123' } })
    await fetch(`${url}/metrics`)
    await fetch(`${url}/api/me`)
  }
  const mentions = (l: Record<string, any>, p: string) => l.req?.url === p || l.url === p

  it('logs /healthz, /readyz and /metrics at debug, never at info, while other requests log at info', async () => {
    const info = await withLogs('info', probes)
    for (const p of ['/healthz', '/readyz', '/metrics']) expect(info.filter((l) => mentions(l, p))).toEqual([])
    expect(info.some((l) => mentions(l, '/api/me') && l.level === 30)).toBe(true)

    const debug = await withLogs('debug', probes)
    for (const p of ['/healthz', '/readyz', '/metrics']) {
      const mine = debug.filter((l) => mentions(l, p))
      expect(mine.length).toBeGreaterThan(0)
      expect(mine.every((l) => l.level === 20)).toBe(true)
    }
    expect(
      debug
        .filter((l) => mentions(l, '/metrics'))
        .map((l) => l.statusCode)
        .sort(),
    ).toEqual([200, 401])
  })
})

describe('serving uploads (embedded: DATA_DIR)', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(async () => {
    await s?.close()
  })

  it('answers with an immutable year of caching and the content hash as ETag, and 304 to If-None-Match', async () => {
    const u = await login(s.url, 'Etag')
    const form = new FormData()
    const img = png(30, 20, 7)
    form.append('file', new Blob([img], { type: 'image/png' }), 'x.png')
    const up = await (
      await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${u.token}` } })
    ).json()
    const hash = /^\/uploads\/([0-9a-f]{40})\.png$/.exec(up.url)![1]
    const got = await fetch(s.url + up.url)
    expect(got.status).toBe(200)
    expect(got.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(got.headers.get('etag')).toBe(`"${hash}"`)
    expect(got.headers.get('content-length')).toBe(String(img.length))
    expect(Buffer.from(await got.arrayBuffer()).equals(img)).toBe(true)
    for (const inm of [`"${hash}"`, `W/"${hash}"`, `"other", "${hash}"`, '*']) {
      const again = await fetch(s.url + up.url, { headers: { 'if-none-match': inm } })
      expect(again.status).toBe(304)
      expect(again.headers.get('etag')).toBe(`"${hash}"`)
      expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect((await again.arrayBuffer()).byteLength).toBe(0)
    }
    expect((await fetch(s.url + up.url, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200)
    const head = await fetch(s.url + up.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toBe(`"${hash}"`)
    expect(head.headers.get('content-length')).toBe(String(img.length))
  })

  it('404s names that are not uploads, and never leaves DATA_DIR', async () => {
    for (const p of [
      '/uploads/' + 'b'.repeat(40) + '.png',
      '/uploads/chat.db',
      '/uploads/..%2Fchat.db',
      '/uploads/%2e%2e/chat.db',
      '/uploads/x.svg',
    ]) {
      const r = await fetch(s.url + p)
      expect(r.status, p).toBe(404)
    }
  })
})
