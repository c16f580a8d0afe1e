/**
 * Throw-away Redis processes for tests that must restart or cluster Redis: `startRedis()`
 * (one server on a free port, killable and restartable on the same port) and
 * `startRedisCluster()` (three masters, no replicas). Every process is killed by stop(), and
 * as a last resort when the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of alive) p.kill('SIGKILL')
})

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** A free port below 55535 whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000)
    if ((await portFree(port)) && (await portFree(port + 10000))) return port
  }
  throw new Error('no free port found')
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function ping(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  c.on('error', () => {})
  try {
    await c.connect()
    return (await c.ping()) === 'PONG'
  } finally {
    c.disconnect()
  }
}

function spawnRedis(args: string[], cwd: string): ChildProcess {
  const p = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  p.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  p.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  p.once('exit', (code, signal) => {
    alive.delete(p)
    if (code && code !== 0 && !signal) process.stderr.write(`redis-server ${args.join(' ')} exited ${code}:\n${log}\n`)
  })
  alive.add(p)
  return p
}

async function kill(p: ChildProcess | null): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGKILL')
  await exited
}

export interface RedisProcess {
  port: number
  url: string
  /** kill -9 (a crash: no shutdown, no goodbye to clients). */
  stop(): Promise<void>
  /** Starts it again on the same port (after stop()). */
  restart(): Promise<void>
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const dir = os.tmpdir() // nothing is written: no RDB, no AOF
  let proc: ChildProcess | null = null
  const up = async () => {
    proc = spawnRedis(
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
      dir,
    )
    await waitFor(`redis-server on ${port}`, 10_000, () => ping(port))
  }
  await up()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await kill(proc)
      proc = null
    },
    restart: async () => {
      await kill(proc)
      await up()
    },
  }
}

export interface RedisClusterProcess {
  ports: number[]
  nodes: Array<{ host: string; port: number }>
  /** redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3 */
  url: string
  /** kill -9 master `i` (0–2). */
  killNode(i: number): Promise<void>
  /** Starts master `i` again on its port with its cluster config (it rejoins as it was). */
  restartNode(i: number): Promise<void>
  stop(): Promise<void>
}

/** Three masters, no replicas, each slot range on its own process. */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chat-redis-cluster-'))
  const ports: number[] = []
  const procs: ChildProcess[] = []
  const nodeArgs = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    path.join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout',
    '2000',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    dir,
  ]
  const stop = async () => {
    await Promise.all(procs.map(kill))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    while (ports.length < 3) {
      const p = await freePort()
      if (!ports.includes(p)) ports.push(p)
    }
    for (const port of ports) procs.push(spawnRedis(nodeArgs(port), dir))
    await Promise.all(ports.map((p) => waitFor(`cluster node ${p}`, 10_000, () => ping(p))))
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    )
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
    await Promise.all(
      ports.map((port) =>
        waitFor(`cluster_state:ok on ${port}`, 20_000, async () => {
          const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null })
          c.on('error', () => {})
          try {
            await c.connect()
            const info = (await c.call('CLUSTER', 'INFO')) as string
            // Every node must also know all three masters' slots before clients ask.
            const slots = (await c.call('CLUSTER', 'SLOTS')) as unknown[]
            return info.includes('cluster_state:ok') && slots.length === 3
          } finally {
            c.disconnect()
          }
        }),
      ),
    )
  } catch (err) {
    await stop()
    throw err
  }
  return {
    ports,
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    killNode: (i) => kill(procs[i]),
    restartNode: async (i) => {
      await kill(procs[i])
      procs[i] = spawnRedis(nodeArgs(ports[i]), dir)
      await waitFor(`cluster node ${ports[i]} back`, 10_000, () => ping(ports[i]))
    },
    stop,
  }
}

/** Polls `check` until it returns true or the deadline passes (then throws). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  await waitFor(what, ms, async () => await check())
}
