/**
 * The real nginx in front of a test cluster (cluster/nginx*.test.ts): finding the binary,
 * running it on a config in a scratch directory, stopping it, and the chat round trip both
 * the ws:// and the wss:// front doors must carry between the two nodes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { expect } from 'vitest'
import { cid, type Frame, type TestClient } from './client'

export const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0)

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** The upstream lines that replace the deploy file's own nodes. */
export const upstreamServers = (ports: number[]) => ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n')

/**
 * Writes `conf` to `dir`/nginx.conf and runs nginx on it in the foreground (pid and logs in
 * `dir`, stderr into `logs`). With `check`, `nginx -t` must accept the config first.
 */
export function startNginx(dir: string, conf: string, logs: string[], check = false): ChildProcess {
  writeFileSync(path.join(dir, 'nginx.conf'), conf)
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', `daemon off; pid ${dir}/nginx.pid;`]
  if (check) {
    const t = spawnSync(nginxBin!, ['-t', ...args])
    if (t.status !== 0) throw new Error(`nginx -t failed:\n${t.stderr}`)
  }
  const p = spawn(nginxBin!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  p.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  process.once('exit', () => p.kill('SIGKILL'))
  return p
}

export async function stopNginx(proc: ChildProcess | null): Promise<void> {
  if (!proc || proc.exitCode !== null) return
  const exited = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  await exited
}

/**
 * Opens one socket per token through the front door (`open` resolves after the welcome), checks
 * that the sockets landed on every node in `nodeIds`, joins them all to `room`, sends `text` from
 * the first and returns the message as a socket on another node received it.
 */
export async function chatAcrossNodes(
  tokens: string[],
  open: (token: string) => Promise<TestClient>,
  nodeIds: string[],
  room: string,
  text: string,
): Promise<Frame> {
  const socks: TestClient[] = []
  const nodes: string[] = []
  for (const token of tokens) {
    const t = await open(token)
    const welcome = t.frames.find((f) => f.type === 'welcome')
    expect(welcome?.type).toBe('welcome')
    nodes.push(welcome!.node)
    socks.push(t)
  }
  // least_conn spreads the sockets: both nodes serve some.
  expect(new Set(nodes)).toEqual(new Set(nodeIds))
  for (const t of socks) expect((await t.request({ type: 'join', room })).type).toBe('joined')
  const from = socks[0]
  const to = socks[nodes.findIndex((n) => n !== nodes[0])]
  const ack = await from.request({ type: 'send', room, cid: cid(), kind: 'text', body: { text } })
  expect(ack.type).toBe('ack')
  const got = await to.waitFor((f) => f.type === 'message' && f.room === room)
  for (const t of socks) t.close()
  return got.msg
}
