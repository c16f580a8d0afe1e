// §1 server process: the production build started with `node apps/server/dist/main.js`.
// One log line with the URL; a bad setting → one line naming it and a non-zero exit;
// SIGTERM/SIGINT drain (close 1012, finish in-flight writes, exit 0); /healthz, /readyz.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cid, http, login, range, seqs, TestClient } from './support'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const MAIN = path.join(ROOT, 'apps/server/dist/main.js')
const URL_RE = /https?:\/\/[A-Za-z0-9.\-[\]:]+:(\d+)/
const dirs: string[] = []
const procs = new Set<ChildProcess>()

// Settings from the developer's shell must not leak into the child.
const SETTINGS = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'NODE_ID',
  'WECHAT_APPID',
  'WECHAT_SECRET',
  'WECHAT_API_BASE',
  'ADMIN_TOKEN',
  'SENSITIVE_WORDS_FILE',
  'LOG_LEVEL',
  'NODE_OPTIONS',
  'CLIENT_DIR',
  'ALLOWED_ORIGINS',
  'METRICS_TOKEN',
]

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'chat-contract-proc-'))
  dirs.push(d)
  return d
}

interface Proc {
  proc: ChildProcess
  lines: () => string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first log line that shows a URL, and the URL. */
  listening: () => Promise<{ line: string; url: string; port: number }>
}

function startProc(env: Record<string, string>): Proc {
  const base = { ...process.env }
  for (const k of SETTINGS) delete base[k]
  const proc = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  procs.add(proc)
  let buf = ''
  const waiters: Array<() => void> = []
  const onData = (d: Buffer) => {
    buf += d.toString()
    waiters.splice(0).forEach((w) => w())
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      procs.delete(proc)
      // Let the pipes flush the last lines.
      setTimeout(() => {
        waiters.splice(0).forEach((w) => w())
        resolve({ code, signal })
      }, 50)
    }),
  )
  const lines = () => buf.split('\n').filter((l) => l.trim() !== '')
  return {
    proc,
    lines,
    exited,
    async listening() {
      const deadline = Date.now() + 20_000
      for (;;) {
        const line = lines().find((l) => URL_RE.test(l))
        if (line) {
          const m = URL_RE.exec(line)!
          return { line, url: m[0], port: Number(m[1]) }
        }
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`no URL logged; output:\n${buf}`)
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100)
          waiters.push(() => {
            clearTimeout(t)
            r()
          })
        })
      }
    },
  }
}

/** A started server on a free port; `base` is http://127.0.0.1:<port>. */
async function startListening(extra: Record<string, string> = {}, dataDir = tempDir()) {
  const p = startProc({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...extra })
  const l = await p.listening()
  const base = `http://127.0.0.1:${l.port}`
  return { ...p, ...l, base, ws: `ws://127.0.0.1:${l.port}/ws`, dataDir }
}

beforeAll(() => {
  execFileSync('pnpm', ['--filter', '@chat/server', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 })
}, 150_000)

afterAll(() => {
  for (const p of procs) p.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('start-up', () => {
  it('logs one line with the URL it listens on (PORT=0 picks a free port), and serves there', async () => {
    const p = await startListening({ NODE_ID: 'contract-node-1' })
    expect(p.port).toBeGreaterThan(0)
    expect(p.lines().filter((l) => URL_RE.test(l))).toHaveLength(1)
    expect(p.line).toContain(String(p.port))
    expect((await http(p.base, 'GET', '/healthz')).status).toBe(200)
    expect((await http(p.base, 'GET', '/readyz')).status).toBe(200)
    // NODE_ID names the node in welcome.
    const u = await login(p.base, 'Proc')
    const c = await TestClient.open(p.ws)
    expect(await c.request({ type: 'hello', token: u.token })).toMatchObject({ type: 'welcome', node: 'contract-node-1', user: u.user })
    c.close()
    p.proc.kill('SIGTERM')
    expect((await p.exited).code).toBe(0)
  })

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['JWT_SECRET', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none' }],
    ['JWT_SECRET', { REDIS_URL: 'redis://127.0.0.1:6379' }],
    ['DATA_DIR', { DATA_DIR: '/dev/null/not-a-dir' }],
    ['HOST', { HOST: '256.1.1.1' }],
    ['SENSITIVE_WORDS_FILE', { SENSITIVE_WORDS_FILE: '/nonexistent/words.txt' }],
  ] as Array<[string, Record<string, string>]>)('a bad %s (%j) stops start-up: non-zero exit, one line naming it', async (name, bad) => {
    const p = startProc({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDir(), ...bad })
    const { code } = await p.exited
    expect(code).not.toBe(0)
    expect(code).not.toBeNull()
    const lines = p.lines()
    expect(lines, lines.join('\n')).toHaveLength(1)
    expect(lines[0]).toContain(name)
  })

  it('a PORT that is already taken stops start-up with one line naming PORT', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const p = startProc({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: tempDir() })
      const { code } = await p.exited
      expect(code).not.toBe(0)
      const lines = p.lines()
      expect(lines, lines.join('\n')).toHaveLength(1)
      expect(lines[0]).toContain('PORT')
    } finally {
      blocker.close()
    }
  })
})

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s with an open socket: the socket gets close 1012 and the process exits 0', async (signal) => {
    const p = await startListening()
    const u = await login(p.base, 'Drained')
    const c = await TestClient.connect(p.ws, u.token)
    await c.request({ type: 'join', room: 'drain' })
    p.proc.kill(signal)
    expect(await c.waitClose()).toBe(1012)
    const { code, signal: killedBy } = await p.exited
    expect({ code, killedBy }).toEqual({ code: 0, killedBy: null })
  })

  it('finishes in-flight writes: every acked send is in the store after the restart, with no gap; the secret kept in DATA_DIR still signs', async () => {
    const dir = tempDir()
    const roomy = { SEND_RATE_LIMIT: '100000', FRAME_RATE_LIMIT: '100000' }
    const p = await startListening(roomy, dir)
    const u = await login(p.base, 'Writer')
    const c = await TestClient.connect(p.ws, u.token)
    await c.request({ type: 'join', room: 'inflight' })
    const cids = Array.from({ length: 40 }, () => cid())
    for (const k of cids) c.send({ type: 'send', id: k, room: 'inflight', cid: k, kind: 'text', body: { text: k } })
    p.proc.kill('SIGTERM')
    expect(await c.waitClose()).toBe(1012)
    expect((await p.exited).code).toBe(0)
    const acks = c.frames.filter((f) => f.type === 'ack')

    const q = await startListening(roomy, dir)
    const h = await http(q.base, 'GET', '/api/rooms/inflight/messages?after=0&limit=100', undefined, u.token)
    expect(h.status).toBe(200) // the token from before the restart is still good
    const stored = h.body.messages
    expect(seqs(stored)).toEqual(range(1, stored.length))
    for (const a of acks) expect(stored.find((m: any) => m.cid === a.cid)).toMatchObject({ seq: a.seq, ts: a.ts, body: { text: a.cid } })
    // Retrying every send (as a client would after 1012) stores the rest exactly once.
    const d = await TestClient.connect(q.ws, u.token)
    await d.request({ type: 'join', room: 'inflight' })
    for (const k of cids) {
      const r = await d.request({ type: 'send', room: 'inflight', cid: k, kind: 'text', body: { text: k } })
      expect(r, JSON.stringify(r)).toMatchObject({ type: 'ack' })
    }
    const all = (await http(q.base, 'GET', '/api/rooms/inflight/messages?after=0&limit=100', undefined, u.token)).body.messages
    expect(seqs(all)).toEqual(range(1, cids.length))
    expect(new Set(all.map((m: any) => m.cid))).toEqual(new Set(cids))
    d.close()
    q.proc.kill('SIGTERM')
    expect((await q.exited).code).toBe(0)
  })
})
