/**
 * deploy/nginx-http.conf as the load balancer in front of two nodes (ports substituted, nothing
 * else changed): logins, the WebSocket upgrade, chat across nodes through one address, and
 * a node draining (SIGTERM → 1012) while its clients move to the other one through nginx.
 * Skipped where nginx is not installed (`apt-get install nginx-light`).
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatMember } from '../helpers/chat-member'
import { http, login, TestClient } from '../helpers/client'
import { REPO_ROOT, startCluster, until, type TestCluster } from '../helpers/cluster'
import { chatAcrossNodes, freePort, nginxBin, startNginx, stopNginx, upstreamServers } from '../helpers/nginx'

/** deploy/nginx-http.conf with the test's node ports and listen port; logs and pid in `dir`. */
function nginxConfig(ports: number[], listen: number, dir: string): string {
  const conf = readFileSync(path.join(REPO_ROOT, 'deploy/nginx-http.conf'), 'utf8')
  const servers = upstreamServers(ports)
  const out = conf
    .replace(/^\s*server 127\.0\.0\.1:\d+[^\n]*\n/gm, '')
    .replace(/least_conn;\n/, `least_conn;\n${servers}\n`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${listen};`)
    .replace(/^http \{\n/m, `http {\n  access_log ${dir}/access.log;\n`)
  if (!out.includes(`listen 127.0.0.1:${listen};`) || !out.includes(servers)) throw new Error('deploy/nginx-http.conf changed shape')
  return out
}

describe.skipIf(!nginxBin)('three-tier: clients → nginx (deploy/nginx-http.conf) → two nodes', () => {
  let c: TestCluster
  let proc: ChildProcess | null = null
  let dir = ''
  let base = ''
  let ws = ''
  const logs: string[] = []

  beforeAll(async () => {
    c = await startCluster({ nodes: 2, env: { TRUST_PROXY: '1' } })
    dir = mkdtempSync(path.join(os.tmpdir(), 'chat-nginx-'))
    const port = await freePort()
    const ports = c.nodes.map((n) => n.port)
    proc = startNginx(dir, nginxConfig(ports, port, dir), logs)
    base = `http://127.0.0.1:${port}`
    ws = `ws://127.0.0.1:${port}/ws`
    await until('nginx answering', async () => (await http(base, 'GET', '/healthz')).status === 200, 10_000)
  })
  afterAll(async () => {
    await stopNginx(proc)
    await c?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('logs in, upgrades WebSockets and chats across both nodes through one address', async () => {
    expect((await http(base, 'GET', '/readyz')).status).toBe(200)
    const room = `nginx-${Math.random().toString(36).slice(2, 8)}`
    const users = await Promise.all(['N1', 'N2', 'N3', 'N4'].map((n) => login(base, n)))
    const open = async (token: string) => {
      const t = await TestClient.open(ws)
      await t.request({ type: 'hello', token })
      return t
    }
    const ids = c.nodes.map((n) => n.id)
    const got = await chatAcrossNodes(
      users.map((u) => u.token),
      open,
      ids,
      room,
      'through nginx',
    )
    expect(got).toMatchObject({ seq: 1, body: { text: 'through nginx' }, from: users[0].user })
    const hist = await http(base, 'GET', `/api/rooms/${room}/messages?after=0`, undefined, users[3].token)
    expect(hist.body.messages.map((m: any) => m.seq)).toEqual([1])
  })

  it("a draining node's clients get 1012, reconnect through nginx to the other node and miss nothing", async () => {
    const room = `nginx-drain-${Math.random().toString(36).slice(2, 8)}`
    const members: ChatMember[] = []
    for (let i = 0; i < 4; i++) {
      const u = await login(base, `D${i}`)
      members.push(new ChatMember(`D${i}`, u.token, u.user.id, () => [ws], { autoReconnect: true }))
    }
    await Promise.all(members.map((m) => m.start([room])))
    const victim = c.nodes.find((n) => n.id === members[0].node)!
    const onVictim = members.filter((m) => m.node === victim.id)
    const sender = members.find((m) => m.node !== victim.id)!
    for (let k = 0; k < 10; k++) sender.send(room, `before ${k}`)
    await until('first ten everywhere', () => members.every((m) => m.held(room) === 10))

    expect(await victim.stop()).toBe(0) // SIGTERM: drain, close sockets with 1012, exit 0
    for (let k = 0; k < 10; k++) sender.send(room, `after ${k}`)
    await until('the moved clients back, on the other node', () => onVictim.every((m) => m.connected && m.node !== victim.id), 15_000)
    for (const m of onVictim) m.send(room, `${m.name} is back`)
    const total = 20 + onVictim.length
    await until('every message everywhere', () => members.every((m) => m.held(room) === total), 15_000)
    for (const m of members) {
      expect(m.violations).toEqual([])
      expect(m.seqs(room)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    }
    for (const m of onVictim) expect(m.closes).toContain(1012)
    for (const m of members) m.close()
  })
})
