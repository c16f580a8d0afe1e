/**
 * One build of ours at one fixed rate, for A/B comparisons of a change while optimising
 * (`pnpm bench` searches for maxima, which move with the machine's load; the cost per
 * delivery at a fixed rate moves far less). Run builds alternately, e.g.
 *
 *   BENCH_MAIN_JS=a/main.js BENCH_ROOM=10 BENCH_RATE=4000 npx tsx bench/fixed-rate.ts
 *
 * BENCH_CPU_PROF=/tmp/prof profiles both nodes. BENCH_PRELOAD=10000 first joins and closes that
 * many connections, as the idle scenario does before the others in a full run. BENCH_NODE_ARGS
 * passes flags to our nodes. BENCH_IDLE_MS measures the nodes' idle cost after the joins. BENCH_RATE is deliveries/s; BENCH_RUNS runs of BENCH_RUN_MS each are printed, one line a run.
 */
import { runTool, withChatSide } from './lib/chat-side'
import { MAIN_JS } from './lib/cluster'
import { cpuLine, log, measured, quiet } from './lib/side'

const env = process.env
const ROOM = Number(env.BENCH_ROOM ?? 10)
const RATE = Number(env.BENCH_RATE ?? 4000)
const RUNS = Number(env.BENCH_RUNS ?? 3)
const RUN_MS = Number(env.BENCH_RUN_MS ?? 4000)
const CONNS = Number(env.BENCH_CONNS ?? 1000)
const SENDERS = Math.min(ROOM, Number(env.BENCH_SENDERS ?? 2))
/** Connections that join rooms of 100 and leave again before the measured ones connect. */
const PRELOAD = Number(env.BENCH_PRELOAD ?? 0)
/** After the joins, how long to measure the idle cost (pings, lease renewals, tail checks). */
const IDLE_MS = Number(env.BENCH_IDLE_MS ?? 0)

async function main(): Promise<void> {
  const extraArgs = env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_CPU_PROF}`] : []
  // Node/V8 flags for our nodes only (e.g. GC settings), space-separated.
  if (env.BENCH_NODE_ARGS) extraArgs.push(...env.BENCH_NODE_ARGS.split(' ').filter(Boolean))
  await withChatSide(extraArgs, async (side) => {
    const { gen } = side
    if (PRELOAD > 0) {
      // As in a full `pnpm bench`, whose scenarios follow the idle one's 10k connections.
      await gen.call({ op: 'connect', count: PRELOAD, concurrency: 200 })
      await gen.call({ op: 'join', roomSize: 100, prefix: `pre${Date.now().toString(36)}`, samplesPerRoom: 0 })
      await gen.call({ op: 'close' })
      await quiet(side, 10_000)
      log(`preloaded: ${PRELOAD} connections joined rooms of 100 and closed`)
    }
    const c = await gen.call({ op: 'connect', count: CONNS, concurrency: 200 })
    await quiet(side, 3000)
    const jm = await measured(side, () =>
      gen.call({ op: 'join', roomSize: ROOM, prefix: `fx${Date.now().toString(36)}`, samplesPerRoom: 1 }),
    )
    const j = jm.value
    log(
      `${MAIN_JS}: ${CONNS} connected in ${((c.ms ?? 0) / 1000).toFixed(1)} s, joined rooms of ${ROOM} in ${((j.ms ?? 0) / 1000).toFixed(1)} s (${cpuLine(jm)})`,
    )
    if (IDLE_MS > 0) {
      await quiet(side, 6000)
      const idle = await measured(side, () => new Promise((r) => setTimeout(r, IDLE_MS)))
      const perSec = (ms: number) => ((ms / idle.wallMs) * 1000).toFixed(1)
      log(
        `idle ${IDLE_MS / 1000} s with ${CONNS} connections in rooms of ${ROOM}: CPU-ms/s servers ${perSec(idle.serverCpuMs)} redis ${perSec(idle.redisCpuMs)} pg ${perSec(idle.pgCpuMs)} (${cpuLine(idle)})`,
      )
    }
    if (RUNS > 0) await gen.run({ rate: RATE / ROOM / 2, durationMs: 1000, sendersPerRoom: SENDERS, drainMs: 1000 })
    for (let i = 0; i < RUNS; i++) {
      await quiet(side, 6000)
      const m = await measured(side, () => gen.run({ rate: RATE / ROOM, durationMs: RUN_MS, sendersPerRoom: SENDERS, drainMs: 1500 }))
      const r = m.value
      const k = r.received / 1000
      log(
        `room ${ROOM} at ${RATE}/s: delivered ${(r.delivered * 100).toFixed(2)}% p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms errors ${r.errors} | ` +
          `CPU-ms/1000: server ${(m.serverCpuMs / k).toFixed(1)} pg ${(m.pgCpuMs / k).toFixed(1)} redis ${(m.redisCpuMs / k).toFixed(1)} | other ${((m.otherCpuMs / m.wallMs) * 100).toFixed(0)}%`,
      )
    }
  })
}

runTool('fixed-rate', main)
