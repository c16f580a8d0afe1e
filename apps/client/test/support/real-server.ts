// Starts the real chat server (apps/server/dist/main.js) as a child process on a free
// port with its own data dir, and builds Node clients (ws + fetch) around the real stores.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPinia, setActivePinia } from 'pinia'
import WebSocket from 'ws'
import type { EngineDeps, HttpClient, SocketFactory } from '../../src/engine/types'
import { useChatStore } from '../../src/stores/chat'
import { useConnectionStore } from '../../src/stores/connection'
import { provideDeps } from '../../src/stores/deps'
import { useMessagesStore } from '../../src/stores/messages'
import { useRoomsStore } from '../../src/stores/rooms'
import { useSessionStore } from '../../src/stores/session'
import { memoryStorage } from './deps'

export { ensureServerBuilt, repoRoot, serverMain } from './server-build'
import { serverMain } from './server-build'

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function until<T>(fn: () => T, what: string, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

export interface RunningServer {
  base: string
  /** Kills the process (SIGTERM: it drains and closes sockets with 1012). */
  halt(): Promise<void>
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-client-it-'))
  const base = `http://127.0.0.1:${port}`
  let child: ChildProcess | null = null

  async function spawnServer() {
    const proc = spawn(process.execPath, [serverMain], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, REDIS_URL: '', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let log = ''
    proc.stdout?.on('data', (d) => (log += d))
    proc.stderr?.on('data', (d) => (log += d))
    const end = Date.now() + 20_000
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${log}`)
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return
      if (Date.now() > end) throw new Error(`server did not become healthy:\n${log}`)
      await sleep(100)
    }
  }

  async function halt() {
    const proc = child
    if (!proc || proc.exitCode !== null) return
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    await Promise.race([exited, sleep(5000)])
    if (proc.exitCode === null) {
      proc.kill('SIGKILL')
      await exited
    }
  }

  await spawnServer()
  return {
    base,
    halt,
    restart: spawnServer,
    async stop() {
      await halt()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const fetchHttp: HttpClient = async (req) => {
  const headers: Record<string, string> = {}
  if (req.body !== undefined) headers['content-type'] = 'application/json'
  if (req.token) headers.authorization = `Bearer ${req.token}`
  const res = await fetch(req.url, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) })
  const text = await res.text()
  let data: unknown = text
  try {
    data = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, data }
}

/** A `ws` socket shaped like uni's SocketTask; `sockets` lets a test cut the line. */
export function nodeSockets(): { factory: SocketFactory; sockets: WebSocket[] } {
  const sockets: WebSocket[] = []
  const factory: SocketFactory = (url) => {
    const ws = new WebSocket(url)
    sockets.push(ws)
    ws.on('error', () => {}) // reported through onError; an unhandled 'error' would throw
    return {
      send: (d) => ws.send(d),
      close: (code, reason) => {
        try {
          ws.close(code, reason)
        } catch {
          ws.terminate()
        }
      },
      onOpen: (cb) => void ws.on('open', cb),
      onMessage: (cb) => void ws.on('message', (data, binary) => cb(binary ? '' : data.toString())),
      onClose: (cb) => void ws.on('close', (code, reason) => cb(code, reason.toString())),
      onError: (cb) => void ws.on('error', cb),
    }
  }
  return { factory, sockets }
}

/** One app instance (its own pinia, storage and socket) logged in as a guest. */
export async function createClient(base: string, name: string) {
  const { factory, sockets } = nodeSockets()
  const deps: EngineDeps = { socket: factory, http: fetchHttp, storage: memoryStorage(), serverUrl: base, pauseInBackground: true }
  provideDeps(deps)
  const pinia = createPinia()
  setActivePinia(pinia)
  const stores = {
    session: useSessionStore(pinia),
    conn: useConnectionStore(pinia),
    messages: useMessagesStore(pinia),
    rooms: useRoomsStore(pinia),
    chat: useChatStore(pinia),
  }
  await stores.chat.login(name)
  await until(() => stores.conn.live, `${name} connected`)
  return { ...stores, deps, sockets, pinia, me: stores.session.user! }
}

export type Client = Awaited<ReturnType<typeof createClient>>
