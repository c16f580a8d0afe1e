/**
 * Starting a deployment of either server for the benchmark: N nodes on fixed free ports,
 * sharing Redis (and, for ours, one Postgres database or a single node's SQLite file).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Target } from './adapters'
import { cpuMs, freePort, measureMemory, rssBytes, startNode, type Memory, type Proc } from './procs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const SERVER_DIR = path.resolve(here, '../..')
/** BENCH_MAIN_JS runs another build of ours (e.g. a candidate change) in its place. */
export const MAIN_JS = process.env.BENCH_MAIN_JS ? path.resolve(process.env.BENCH_MAIN_JS) : path.join(SERVER_DIR, 'dist/main.js')
export const PEER_JS = path.join(SERVER_DIR, 'bench/peer/server.mjs')
export const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789'

/** Limits raised so the benchmark measures throughput, not the abuse guards. */
const OUR_LIMITS = {
  SEND_RATE_LIMIT: '100000',
  SEND_RATE_WINDOW_MS: '1000',
  FRAME_RATE_LIMIT: '100000',
  LOGIN_RATE_LIMIT: '100000',
  MAX_CONNS_PER_IP: '1000000',
  MAX_CONNS_PER_USER: '100',
  MAX_ROOMS_PER_CONN: '1000',
  // The storm's taps are open-loop at exactly the default limit: jitter must not refuse them.
  REACT_RATE_LIMIT: '1000',
  // Frames a connection may have waiting for the store: the hot room puts all its load on 10
  // sockets, and an overloaded step must fail by its latency, not by senders closed with 4009
  // (a closed sender would also spoil every later step of the search).
  MAX_QUEUED_FRAMES: '100000',
}

export interface Deployment {
  target: Target
  nodes: Array<Proc & { inspectorUrl: () => Promise<string> }>
  urls: string[]
  store: 'postgres' | 'sqlite' | 'none'
  /** CPU ms of the server processes so far (sum over nodes). */
  cpu(): number
  /** Forces a full GC (through the inspector) and reads the nodes' memory, summed. */
  memory(): Promise<Memory>
  /** VmRSS of the nodes from /proc/<pid>/status, summed: read from outside, no GC forced. */
  vmRss(): number
  /** Attaches the inspector to every node (SIGUSR1) without forcing a GC. */
  attachInspector(): Promise<void>
  stop(): Promise<void>
}

async function waitHealthy(url: string, node: Proc): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    if (node.child.exitCode !== null) throw new Error(`${node.name} exited:\n${node.log()}`)
    if (Date.now() > deadline) throw new Error(`${node.name} not healthy in 20 s:\n${node.log()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export async function deploy(
  target: Target,
  o: { nodes: number; redisUrl: string | null; databaseUrl: string | null; extraArgs?: string[] },
): Promise<Deployment> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chat-bench-'))
  const nodes: Deployment['nodes'] = []
  for (let i = 0; i < o.nodes; i++) {
    const port = await freePort()
    const nodeId = `${target}-${i + 1}`
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET,
      NODE_ID: nodeId,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : { REDIS_URL: '' }),
    }
    if (target === 'chat') {
      Object.assign(env, OUR_LIMITS, { DATA_DIR: dataDir, DATABASE_URL: o.databaseUrl ?? '' })
    }
    const url = `http://127.0.0.1:${port}`
    const node = startNode(nodeId, target === 'chat' ? MAIN_JS : PEER_JS, env, o.extraArgs ?? [], url)
    await waitHealthy(url, node)
    nodes.push(node)
  }
  return {
    target,
    nodes,
    urls: nodes.map((n) => n.url),
    store: target === 'sio' ? 'none' : o.databaseUrl ? 'postgres' : 'sqlite',
    cpu: () => nodes.reduce((s, n) => s + cpuMs(n.pid), 0),
    async memory() {
      const all = await Promise.all(nodes.map(async (n) => measureMemory(await n.inspectorUrl())))
      return { heapUsed: all.reduce((s, m) => s + m.heapUsed, 0), rss: all.reduce((s, m) => s + m.rss, 0) }
    },
    vmRss: () => nodes.reduce((s, n) => s + rssBytes(n.pid), 0),
    async attachInspector() {
      await Promise.all(nodes.map((n) => n.inspectorUrl()))
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A fresh Postgres database for the run, and the CPU of its backends. */
export async function createBenchDatabase(
  adminUrl: string,
): Promise<{ url: string; cpu(): Promise<number>; checkpoint(): Promise<string>; drop(): Promise<void> }> {
  const name = `chat_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.query(`create database ${name}`)
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  let last: { t: string; r: string } | null | undefined = null
  return {
    url: u.toString(),
    // Backends come and go with the pools; each sample sums the ones alive now.
    async cpu() {
      const { rows } = await admin.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      )
      return rows.reduce((s, r) => s + cpuMs(r.pid), 0)
    },
    /**
     * Writes out what earlier scenarios dirtied, so a scenario does not pay for the one
     * before it (a checkpoint that WAL volume forces lands in whichever step runs then).
     * Returns the checkpoints Postgres made since the last call, for the log.
     */
    async checkpoint() {
      // pg_stat_bgwriter has these counters up to Postgres 16 (17 moved them): else none are told.
      const stats = () =>
        admin.query<{ t: string; r: string }>('select checkpoints_timed as t, checkpoints_req as r from pg_stat_bgwriter').then(
          (q) => q.rows[0],
          () => null,
        )
      const before = await stats()
      const t0 = Date.now()
      await admin.query('checkpoint')
      const took = `CHECKPOINT took ${Date.now() - t0} ms`
      const since =
        before && last
          ? `${Number(before.t) - Number(last.t)} timed + ${Number(before.r) - Number(last.r)} requested checkpoints since the last one; `
          : ''
      last = await stats()
      return since + took
    },
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
