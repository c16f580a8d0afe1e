// `pnpm cluster`: a local cluster to try scale-out — N server nodes (default 3) on ports
// 3001…, sharing the local Postgres and Redis, optionally behind nginx (deploy/nginx-http.conf).
//
//   pnpm cluster                      3 nodes on 3001-3003
//   pnpm cluster -- --nginx           … plus nginx on :8080 in front of them
//   pnpm cluster -- --nodes 2 --base-port 4001
//
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/chat_cluster, created if
// missing), REDIS_URL (default redis://127.0.0.1:6379), and anything the server reads.
// Data (uploads, the shared JWT secret) lives in data/cluster/. Ctrl-C drains every node.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? args[i + 1] : def
}
const count = Number(opt('nodes', '3'))
const basePort = Number(opt('base-port', '3001'))
const nginxPort = Number(opt('nginx-port', '8080'))
if (!Number.isInteger(count) || count < 1 || count > 9) {
  console.error('--nodes must be 1–9')
  process.exit(1)
}
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/chat_cluster'
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const dataDir = path.join(root, 'data/cluster')
mkdirSync(dataDir, { recursive: true })

// Every node must sign and check tokens with the same secret.
const secretFile = path.join(dataDir, 'jwt-secret')
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 })
const jwtSecret = process.env.JWT_SECRET || readFileSync(secretFile, 'utf8').trim()

console.log('building the server…')
execFileSync('pnpm', ['--filter', '@chat/server', 'build'], { cwd: root, stdio: 'inherit' })

// The database must exist before the nodes start (they create the tables, not the database).
const pg = createRequire(path.join(root, 'apps/server/package.json'))('pg')
{
  const target = new URL(databaseUrl)
  const name = decodeURIComponent(target.pathname.slice(1))
  const admin = new URL(databaseUrl)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  try {
    await client.connect()
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (!rowCount) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`)
      console.log(`created database ${name}`)
    }
  } catch (err) {
    console.error(`cannot reach Postgres at ${target.host} (${err.message}); set DATABASE_URL`)
    process.exit(1)
  } finally {
    await client.end().catch(() => {})
  }
}

const colors = [36, 35, 33, 32, 34, 31, 96, 95, 93]
const children = []
let stopping = false

function pipeLogs(stream, label, color) {
  let buf = ''
  stream.on('data', (d) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      let text = line
      try {
        const j = JSON.parse(line)
        // Request logs are noise here; everything else is shown as level + message.
        if (j.req || j.res) continue
        const level = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }[j.level] ?? j.level
        text = `${level} ${j.msg}${j.err ? ` (${typeof j.err === 'string' ? j.err : j.err.message})` : ''}`
      } catch {}
      console.log(`\x1b[${color}m[${label}]\x1b[0m ${text}`)
    }
  })
}

function startNode(i) {
  const id = `n${i + 1}`
  const port = basePort + i
  const env = {
    ...process.env,
    NODE_ID: id,
    PORT: String(port),
    HOST: process.env.HOST || '0.0.0.0',
    DATA_DIR: path.join(dataDir, id),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: jwtSecret,
    TRUST_PROXY: flag('nginx') ? '1' : process.env.TRUST_PROXY || '',
  }
  // `node` directly, not pnpm: SIGTERM must reach the server for its drain.
  const child = spawn(process.execPath, [path.join(root, 'apps/server/dist/main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  pipeLogs(child.stdout, id, colors[i])
  pipeLogs(child.stderr, id, colors[i])
  child.on('exit', (code, signal) => {
    console.log(`[${id}] exited (${code ?? signal})`)
    if (!stopping)
      console.log(`[${id}] restart it with: NODE_ID=${id} PORT=${port} … node apps/server/dist/main.js (or restart pnpm cluster)`)
  })
  children.push(child)
  return { id, port, pid: child.pid }
}

const nodes = Array.from({ length: count }, (_, i) => startNode(i))

let nginx = null
if (flag('nginx')) {
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0)
  if (!bin) {
    console.error('nginx is not installed (apt-get install nginx-light); continuing without it')
  } else {
    const dir = path.join(dataDir, 'nginx')
    mkdirSync(dir, { recursive: true })
    const servers = nodes.map((n) => `    server 127.0.0.1:${n.port} max_fails=1 fail_timeout=10s;`).join('\n')
    const conf = readFileSync(path.join(root, 'deploy/nginx-http.conf'), 'utf8')
      .replace(/^\s*server 127\.0\.0\.1:\d+[^\n]*\n/gm, '')
      .replace(/least_conn;\n/, `least_conn;\n${servers}\n`)
      .replace(/listen 8080;/, `listen ${nginxPort};`)
      .replace(/^http \{\n/m, `http {\n  access_log ${dir}/access.log;\n`)
    writeFileSync(path.join(dir, 'nginx.conf'), conf)
    nginx = spawn(
      bin,
      ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', `daemon off; pid ${dir}/nginx.pid;`],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    nginx.on('exit', (code) => !stopping && console.log(`[nginx] exited (${code}); see ${dir}/error.log`))
  }
}

setTimeout(() => {
  const entry = nginx ? `http://localhost:${nginxPort}` : `http://localhost:${basePort}`
  console.log(`
  ${count} nodes: ${nodes.map((n) => `${n.id} http://localhost:${n.port} (pid ${n.pid})`).join(', ')}${nginx ? `\n  nginx:   http://localhost:${nginxPort}  (WebSocket ws://localhost:${nginxPort}/ws)` : ''}
  store ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}, bus ${redisUrl.replace(/:[^:@/]*@/, ':***@')}

  Try it:
    - open ${entry} in two browser windows (the H5 app, if built: pnpm --filter @chat/client build:h5),
      or log in on one node and chat with someone on another:
        curl -s -XPOST localhost:${basePort}/api/login -H 'content-type: application/json' -d '{"name":"Alice"}'
    - the welcome frame's "node" says which node a socket landed on
    - kill one node (kill -9 <pid>) and watch its clients resume on the others
  Ctrl-C stops everything (each node drains: sockets close with 1012).
`)
}, 1500).unref()

function stop() {
  if (stopping) return
  stopping = true
  console.log('stopping…')
  nginx?.kill('SIGQUIT')
  for (const c of children) c.kill('SIGTERM')
  const force = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL')
    process.exit(1)
  }, 20_000)
  force.unref()
  Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() =>
    process.exit(0),
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
