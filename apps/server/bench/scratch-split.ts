import { readFileSync } from 'node:fs'
import { deploy, JWT_SECRET, createBenchDatabase } from './lib/cluster'
import { Generator } from './lib/gen-client'
import { startRedis } from './lib/procs'
const target = (process.argv[2] ?? 'chat') as 'chat' | 'sio'
const rate = Number(process.argv[3] ?? 10)
const size = Number(process.argv[4] ?? 1000)
const split = (pid: number) => { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const r = s.slice(s.lastIndexOf(')') + 2).split(' '); return [Number(r[11]) * 10, Number(r[12]) * 10] }
const redis = await startRedis()
const db = await createBenchDatabase('postgres://postgres@127.0.0.1:5432/test')
const gen = Generator.start()
const dep = await deploy(target, { nodes: 2, redisUrl: redis.url, databaseUrl: target === 'chat' ? db.url : null, extraArgs: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/bx'] : [] })
try {
  await gen.call({ op: 'init', target, nodes: dep.urls, secret: JWT_SECRET })
  await gen.call({ op: 'connect', count: 1000, concurrency: 200 })
  const t = Date.now(); await gen.call({ op: 'join', roomSize: size, prefix: 'x', samplesPerRoom: 20 }); console.log('join ms', Date.now() - t)
  await new Promise((r) => setTimeout(r, 5000))
  for (let k = 0; k < 3; k++) {
    const a = dep.nodes.map((n) => split(n.pid)); const g0 = split(gen.pid)
    const r = await gen.run({ rate, durationMs: 4000, sendersPerRoom: Number(process.env.SENDERS ?? 10), drainMs: 2000 })
    const b = dep.nodes.map((n) => split(n.pid)); const g1 = split(gen.pid)
    const u = b.reduce((s, x, i) => s + x[0] - a[i][0], 0), sy = b.reduce((s, x, i) => s + x[1] - a[i][1], 0)
    const k1 = r.received / 1000
    console.log(`${target} rate ${rate} recv ${r.received} p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} server user ${(u / k1).toFixed(2)} sys ${(sy / k1).toFixed(2)} ms/1000; gen user ${((g1[0] - g0[0]) / k1).toFixed(2)} sys ${((g1[1] - g0[1]) / k1).toFixed(2)}`)
  }
} finally { await gen.stop(); await dep.stop(); await redis.stop(); await db.drop() }
process.exit(0)
