/**
 * Real multi-node clusters for tests: the built server (`dist/main.js`) started as separate
 * processes on free ports, sharing one Postgres database and one Redis. Every process this
 * module starts is killed by `stop()` and, as a last resort, when the test process exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, type TestDatabase } from '../store/pg-test-db'
import { startRedis, type RedisProcess } from './redis-server'

const here = path.dirname(fileURLToPath(import.meta.url))
export const SERVER_DIR = path.resolve(here, '../..')
export const REPO_ROOT = path.resolve(SERVER_DIR, '../..')
export const MAIN_JS = path.join(SERVER_DIR, 'dist/main.js')
export const JWT_SECRET = 'cluster-test-secret-0123456789abcdef'

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of alive) p.kill('SIGKILL')
})

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Builds apps/server/dist/main.js unless it is newer than every source it is made from.
 * Test files run in parallel workers: a lock directory makes one build and the rest wait.
 */
export async function buildServer(): Promise<string> {
  const lock = path.join(SERVER_DIR, 'dist/.build-lock')
  mkdirSync(path.dirname(lock), { recursive: true })
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // A lock older than a minute belongs to a worker that died mid-build.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true })
      } catch {}
      if (Date.now() > deadline) throw new Error('timed out waiting for another worker to build the server')
      await sleep(100)
    }
  }
  try {
    const sources = Math.max(
      newestMtime(path.join(SERVER_DIR, 'src')),
      newestMtime(path.join(REPO_ROOT, 'packages/protocol/src')),
      statSync(path.join(SERVER_DIR, 'scripts/build.mjs')).mtimeMs,
      statSync(path.join(SERVER_DIR, 'package.json')).mtimeMs,
    )
    let built = 0
    try {
      built = statSync(MAIN_JS).mtimeMs
    } catch {}
    if (built <= sources) {
      execFileSync('pnpm', ['--filter', '@chat/server', 'build'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 120_000 })
    }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
  return MAIN_JS
}

export interface NodeProcess {
  readonly id: string
  /** Where it listens now (a restart may move it unless the port is kept). */
  port: number
  url: string
  wsUrl: string
  readonly env: Record<string, string>
  /** The process' last log lines (pino JSON), for failure messages. */
  readonly logs: string[]
  get running(): boolean
  get pid(): number | undefined
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>
  /** kill -9: no drain, no goodbye to Redis or clients. */
  kill9(): Promise<void>
  /** Starts the process again (same env and port). */
  start(): Promise<void>
  /** Log lines (parsed) matching a predicate. */
  logLines(pred?: (l: Record<string, any>) => boolean): Record<string, any>[]
}

export interface NodeOptions {
  id: string
  env: Record<string, string>
  /** Port to listen on (0 = any free one). */
  port?: number
}

/** One server process. `start()` resolves once it logged its "listening on" line. */
export function serverNode(o: NodeOptions): NodeProcess {
  let proc: ChildProcess | null = null
  let port = o.port ?? 0
  const logs: string[] = []
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    HOST: '127.0.0.1',
    NODE_ID: o.id,
    JWT_SECRET,
    LOG_LEVEL: 'info',
    ...o.env,
  }
  env.DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), `chat-node-${o.id}-`))

  const node: NodeProcess = {
    id: o.id,
    port: 0,
    url: '',
    wsUrl: '',
    env,
    logs,
    get running() {
      return proc !== null && proc.exitCode === null && proc.signalCode === null
    },
    get pid() {
      return proc?.pid
    },
    async start() {
      if (node.running) throw new Error(`node ${o.id} is already running`)
      const p = spawn(process.execPath, [MAIN_JS], {
        cwd: REPO_ROOT,
        env: { ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      proc = p
      alive.add(p)
      p.once('exit', () => alive.delete(p))
      const listening = new Promise<number>((resolve, reject) => {
        let buf = ''
        const onLine = (line: string) => {
          logs.push(line)
          if (logs.length > 400) logs.splice(0, logs.length - 400)
          if (!line.includes('listening on')) return
          try {
            const j = JSON.parse(line) as { url?: string; port?: number }
            const m = /:(\d+)$/.exec(j.url ?? '')
            resolve(j.port ?? Number(m?.[1]))
          } catch {}
        }
        const onData = (d: Buffer) => {
          buf += d.toString()
          let i: number
          while ((i = buf.indexOf('\n')) >= 0) {
            onLine(buf.slice(0, i))
            buf = buf.slice(i + 1)
          }
        }
        p.stdout!.on('data', onData)
        p.stderr!.on('data', (d: Buffer) => {
          for (const l of d.toString().split('\n')) if (l) logs.push(`stderr: ${l}`)
        })
        p.once('exit', (code, signal) =>
          reject(new Error(`node ${o.id} exited (${code ?? signal}) before listening:\n${logs.slice(-20).join('\n')}`)),
        )
        setTimeout(
          () => reject(new Error(`node ${o.id} did not log "listening on" within 30 s:\n${logs.slice(-20).join('\n')}`)),
          30_000,
        ).unref()
      })
      port = await listening
      node.port = port
      node.url = `http://127.0.0.1:${port}`
      node.wsUrl = `ws://127.0.0.1:${port}/ws`
    },
    async stop() {
      const p = proc
      if (!p || !node.running) return p?.exitCode ?? null
      const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)))
      p.kill('SIGTERM')
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000)
      const code = await exited
      clearTimeout(t)
      return code
    },
    async kill9() {
      const p = proc
      if (!p || !node.running) return
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
    },
    logLines(pred = () => true) {
      const out: Record<string, any>[] = []
      for (const l of logs) {
        try {
          const j = JSON.parse(l)
          if (pred(j)) out.push(j)
        } catch {}
      }
      return out
    },
  }
  return node
}

export interface ClusterOptions {
  nodes?: number
  /** Extra env for every node (limits, ADMIN_TOKEN…). */
  env?: Record<string, string>
  /** Point the nodes at this DATABASE_URL instead of the test database's (e.g. a proxy). */
  databaseUrl?: (db: TestDatabase) => string
}

export interface TestCluster {
  nodes: NodeProcess[]
  db: TestDatabase
  redis: RedisProcess
  /** A node that is running, other than the ones named. */
  other(...not: NodeProcess[]): NodeProcess
  /** Starts one more node with the cluster's env. */
  addNode(id?: string, env?: Record<string, string>): Promise<NodeProcess>
  /** Kills every node, its Redis and drops the database. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * N nodes (default 3) against a fresh Postgres database and a Redis of the cluster's own on
 * a free port (so a test may restart it). Nodes start in parallel, which also exercises the
 * concurrent migration run.
 */
export async function startCluster(o: ClusterOptions = {}): Promise<TestCluster> {
  await buildServer()
  const db = await createTestDatabase()
  let redis: RedisProcess | null = null
  const nodes: NodeProcess[] = []
  const tag = Math.random().toString(36).slice(2, 6)
  // One DATA_DIR for all nodes, as docs/scaling.md says: uploads must be readable on every
  // node (with DATABASE_URL and JWT_SECRET set, uploads are all that lives there).
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chat-cluster-'))
  let n = 0
  const cluster: TestCluster = {
    nodes,
    db,
    get redis() {
      return redis!
    },
    other(...not) {
      const found = nodes.find((x) => x.running && !not.includes(x))
      if (!found) throw new Error('no other running node')
      return found
    },
    async addNode(id, env = {}) {
      const node = serverNode({
        id: id ?? `n${++n}-${tag}`,
        env: {
          DATABASE_URL: o.databaseUrl ? o.databaseUrl(db) : db.url,
          REDIS_URL: redis!.url,
          DATA_DIR: dataDir,
          ...o.env,
          ...env,
        },
      })
      nodes.push(node)
      await node.start()
      return node
    },
    async stop() {
      await Promise.all(nodes.map((x) => x.kill9()))
      await redis?.stop()
      await db.drop().catch(() => {})
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  try {
    redis = await startRedis()
    await Promise.all(Array.from({ length: o.nodes ?? 3 }, () => cluster.addNode()))
  } catch (err) {
    await cluster.stop()
    throw err
  }
  return cluster
}

/** Polls until `check` is true (or returns without throwing); throws after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000, every = 50): Promise<void> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await sleep(every)
  }
}

/** One value of a node's /metrics (the first series of that name; NaN when absent). */
export async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}
