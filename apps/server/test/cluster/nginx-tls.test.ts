/**
 * deploy/nginx.conf — the production front door of deploy/compose.yaml — run by the
 * real nginx with a self-signed certificate made here, in front of two nodes (only the
 * ports, the certificate paths and the node addresses substituted): `nginx -t` accepts it,
 * HTTP redirects to HTTPS, a wss:// client joins and chats with a client on the other
 * node, and the operator's pages answer only allow-listed addresses.
 * Skipped where nginx or openssl is not installed (`apt-get install nginx-light`).
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, TestClient } from '../helpers/client'
import { REPO_ROOT, startCluster, until, type TestCluster } from '../helpers/cluster'
import { chatAcrossNodes, freePort, nginxBin, startNginx, stopNginx, upstreamServers } from '../helpers/nginx'

const hasOpenssl = spawnSync('openssl', ['version']).status === 0
const ADMIN = 'nginx-tls-admin-token'

/** deploy/nginx.conf with the test's ports, certificate and nodes; logs in `dir`. */
function tlsConfig(nodePorts: number[], httpsPort: number, httpPort: number, dir: string): string {
  const conf = readFileSync(path.join(REPO_ROOT, 'deploy/nginx.conf'), 'utf8')
  const servers = upstreamServers(nodePorts)
  const out = conf
    .replace(/^\s*server node\d+:3000[^\n]*\n/gm, '')
    .replace(/least_conn;\n/, `least_conn;\n${servers}\n`)
    .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
    .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
    .replace('/etc/nginx/certs/fullchain.pem', path.join(dir, 'cert.pem'))
    .replace('/etc/nginx/certs/privkey.pem', path.join(dir, 'key.pem'))
    .replace(/^http \{\n/m, `http {\n  access_log ${dir}/access.log;\n`)
  for (const must of [servers, `listen 127.0.0.1:${httpsPort} ssl http2;`, `listen 127.0.0.1:${httpPort};`, path.join(dir, 'key.pem')]) {
    if (!out.includes(must)) throw new Error(`deploy/nginx.conf changed shape (${must})`)
  }
  return out
}

interface Res {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

describe.skipIf(!nginxBin || !hasOpenssl)('TLS front door: clients → nginx (deploy/nginx.conf, wss://) → two nodes', () => {
  let c: TestCluster
  let proc: ChildProcess | null = null
  let dir = ''
  let ca: Buffer
  let httpsPort = 0
  let httpPort = 0
  const logs: string[] = []

  /** An HTTPS request trusting only the test's certificate, from a chosen loopback address. */
  function request(method: string, p: string, o: { from?: string; body?: unknown; token?: string } = {}): Promise<Res> {
    return new Promise((resolve, reject) => {
      const body = o.body === undefined ? undefined : JSON.stringify(o.body)
      const req = https.request(
        {
          host: '127.0.0.1',
          port: httpsPort,
          servername: 'localhost',
          path: p,
          method,
          ca,
          localAddress: o.from ?? '127.0.0.1',
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
        },
        (res) => {
          let data = ''
          res.on('data', (d) => (data += d))
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  async function wss(token: string): Promise<TestClient> {
    const t = new TestClient(new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, { ca }))
    await t.opened
    const welcome = await t.request({ type: 'hello', token })
    if (welcome.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`)
    return t
  }

  beforeAll(async () => {
    c = await startCluster({ nodes: 2, env: { TRUST_PROXY: '1', ADMIN_TOKEN: ADMIN } })
    dir = mkdtempSync(path.join(os.tmpdir(), 'chat-nginx-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    )
    ca = readFileSync(path.join(dir, 'cert.pem'))
    httpsPort = await freePort()
    httpPort = await freePort()
    const ports = c.nodes.map((n) => n.port)
    proc = startNginx(dir, tlsConfig(ports, httpsPort, httpPort, dir), logs, true)
    await until('nginx answering over TLS', async () => (await request('GET', '/healthz')).status === 200, 10_000)
  })
  afterAll(async () => {
    await stopNginx(proc)
    await c?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('redirects plain HTTP to HTTPS and serves HTTPS with the certificate, HSTS included', async () => {
    const plain = await new Promise<Res>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port: httpPort, path: '/api/rooms?x=1', headers: { host: 'chat.example.com' } }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: '' }))
        })
        .on('error', reject),
    )
    expect(plain.status).toBe(301)
    expect(plain.headers.location).toBe('https://chat.example.com/api/rooms?x=1')
    const ready = await request('GET', '/readyz')
    expect(ready.status).toBe(200)
    // Once, from the node (nginx adds none of its own).
    expect(ready.headers['strict-transport-security']).toMatch(/^max-age=31536000[^,]*$/)
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(
      new Promise((resolve, reject) => https.get({ host: '127.0.0.1', port: httpsPort, path: '/healthz' }, resolve).on('error', reject)),
    ).rejects.toThrow(/self[- ]signed|certificate/i)
  })

  it('carries wss:// sockets to both nodes: join, send and receive across them', async () => {
    const room = `tls-${Math.random().toString(36).slice(2, 8)}`
    const users = await Promise.all(
      ['T1', 'T2', 'T3', 'T4'].map(async (name) => JSON.parse((await request('POST', '/api/login', { body: { name } })).body)),
    )
    const got = await chatAcrossNodes(
      users.map((u: any) => u.token),
      wss,
      c.nodes.map((n) => n.id),
      room,
      'over wss',
    )
    expect(got).toMatchObject({ seq: 1, body: { text: 'over wss' }, from: users[0].user })
  })

  it('serves /admin/, /api/admin/* and /metrics to allow-listed addresses only', async () => {
    const u = await login(c.nodes[0].url, 'Outsider')
    for (const p of ['/admin/', '/api/admin/stats', '/metrics']) {
      const inside = await request('GET', p, { token: ADMIN })
      // /admin/ is 404 from the node when the console is not built; either way it got through.
      if (p === '/admin/') expect([200, 404], p).toContain(inside.status)
      else expect(inside.status, `${p} from 127.0.0.1`).toBe(200)
      const outside = await request('GET', p, { from: '127.0.0.2', token: ADMIN })
      expect(outside.status, `${p} from 127.0.0.2`).toBe(403)
    }
    expect((await request('GET', '/admin', { from: '127.0.0.2' })).status).toBe(403)
    // Everything else is for everyone.
    const rooms = await request('GET', '/api/rooms', { from: '127.0.0.2', token: u.token })
    expect(rooms.status).toBe(200)
    expect((await request('GET', '/healthz', { from: '127.0.0.2' })).status).toBe(200)
  })
})
