/**
 * Processes under test: server nodes (ours or the peer), a private redis-server, and the
 * measurements taken from outside them — CPU from /proc/<pid>/stat, memory through the
 * V8 inspector (activated with SIGUSR1 only when memory is measured, so the throughput runs
 * have no inspector attached). Neither server needs code for the benchmark's sake.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import WebSocket from 'ws'

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of alive) p.kill('SIGKILL')
})

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

export interface Proc {
  name: string
  pid: number
  child: ChildProcess
  url: string
  stop(): Promise<void>
  /** stderr tail, for failures. */
  log(): string
}

const CLK_TCK = 100 // getconf CLK_TCK on Linux x86-64

/** CPU time (user + system, all threads) of a process in ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK
  } catch {
    return 0
  }
}

/** CPU ms the whole machine spent busy so far (all cores), from /proc/stat. */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal
  return ((f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 1000) / CLK_TCK
}

export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

function track(name: string, child: ChildProcess): { tail: () => string; lines: (fn: (l: string) => void) => void } {
  alive.add(child)
  child.once('exit', () => alive.delete(child))
  let tail = ''
  const listeners: Array<(l: string) => void> = []
  for (const stream of [child.stdout, child.stderr]) {
    let buf = ''
    stream?.on('data', (d: Buffer) => {
      buf += d.toString()
      tail = (tail + d.toString()).slice(-6000)
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        for (const l of listeners) l(line)
      }
    })
  }
  // BENCH_NODE_LOG=<dir>: every line of every child, stamped with the time, for later reading.
  const dir = process.env.BENCH_NODE_LOG
  if (dir) {
    mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `${name}-${child.pid}.log`)
    listeners.push((l) => appendFileSync(file, `${Date.now()} ${l}\n`))
  }
  return { tail: () => tail, lines: (fn) => listeners.push(fn) }
}

async function stopChild(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), ms)
  await exited
  clearTimeout(t)
}

/** A Node server listening at `url` (the caller chose its port and waits for health). */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  args: string[],
  url: string,
): Proc & { inspectorUrl: () => Promise<string> } {
  const child = spawn(process.execPath, ['--inspect-port=127.0.0.1:0', ...args, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const t = track(name, child)
  let inspector: string | null = null
  const inspectorWaiters: Array<(u: string) => void> = []
  t.lines((line) => {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(line)
    if (!m) return
    inspector = m[1]
    for (const w of inspectorWaiters.splice(0)) w(m[1])
  })
  return {
    name,
    pid: child.pid!,
    child,
    url,
    log: t.tail,
    stop: () => stopChild(child),
    inspectorUrl: () => {
      if (inspector) return Promise.resolve(inspector)
      const p = new Promise<string>((resolve) => inspectorWaiters.push(resolve))
      child.kill('SIGUSR1')
      return p
    },
  }
}

export async function startRedis(): Promise<Proc> {
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const t = track('redis', child)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${t.tail()}`)), 10_000)
    child.once('error', reject)
    t.lines((l) => {
      if (l.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return { name: 'redis', pid: child.pid!, child, url: `redis://127.0.0.1:${port}`, log: t.tail, stop: () => stopChild(child) }
}

export interface Memory {
  heapUsed: number
  rss: number
}

export interface InspectorSession {
  call(method: string, params?: object): Promise<any>
  /** Events (messages without an id) go here. */
  onEvent(fn: (m: { method: string; params: any }) => void): void
  close(): void
}

/** A session with a process's inspector (DevTools protocol over its WebSocket). */
export async function inspect(inspectorUrl: string): Promise<InspectorSession> {
  const ws = new WebSocket(inspectorUrl, { perMessageDeflate: false, maxPayload: 1 << 30 })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  let id = 0
  const pending = new Map<number, (v: any) => void>()
  let onEvent: (m: { method: string; params: any }) => void = () => {}
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString())
    if (m.id === undefined) onEvent(m)
    else pending.get(m.id)?.(m)
  })
  return {
    call: (method, params = {}) =>
      new Promise<any>((resolve) => {
        const n = ++id
        pending.set(n, resolve)
        ws.send(JSON.stringify({ id: n, method, params }))
      }),
    onEvent: (fn) => (onEvent = fn),
    close: () => ws.close(),
  }
}

/** Forces a full GC in the process and reads its memory, through the inspector protocol. */
export async function measureMemory(inspectorUrl: string): Promise<Memory> {
  const s = await inspect(inspectorUrl)
  try {
    await s.call('HeapProfiler.collectGarbage')
    await s.call('HeapProfiler.collectGarbage')
    const r = await s.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })
    const m = JSON.parse(r.result.result.value) as { heapUsed: number; rss: number }
    return { heapUsed: m.heapUsed, rss: m.rss }
  } finally {
    s.close()
  }
}
