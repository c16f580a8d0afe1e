/**
 * The reaction storm (v1.1 §B, ours only: the peer has no reactions). One room of `members`
 * over both nodes carries ordinary messages at a fixed rate; the same run is measured twice,
 * without and with `reactors` members tapping 点赞 `reactRate` times a second each. What a
 * storm may cost: server CPU, and the latency of the messages sent during it.
 */
import type { RunResult } from './gen-protocol'
import { cpuLine, log, machineCalm, measured, otherLoad, quiet, sleep, type Measured, type Side } from './side'

export interface StormPlan {
  members: number
  messagesPerSec: number
  senders: number
  samples: number
  reactors: number
  reactRate: number
  durationMs: number
}

export interface StormRun {
  p50: number
  p99: number
  p999: number
  delivered: number
  errors: number
  serverCpuPct: number
  redisCpuPct: number
  pgCpuPct: number
  otherPct: number
  /** Taps offered and refused per second. */
  reactsPerSec: number
  reactErrors: number
  /** `reactions` frames each member got per second (at most ~1: one per room per second). */
  framesPerMemberPerSec: number
}

export interface StormResult extends StormPlan {
  quiet: StormRun
  storm: StormRun
}

function summary(m: Measured<RunResult>, members: number): StormRun {
  const r = m.value
  const pct = (x: number) => (x / m.wallMs) * 100
  return {
    p50: r.p50,
    p99: r.p99,
    p999: r.p999,
    delivered: r.delivered,
    errors: r.errors,
    serverCpuPct: pct(m.serverCpuMs),
    redisCpuPct: pct(m.redisCpuMs),
    pgCpuPct: pct(m.pgCpuMs),
    otherPct: otherLoad(m) * 100,
    reactsPerSec: (r.reactsSent / r.sendMs) * 1000,
    reactErrors: r.reactErrors,
    framesPerMemberPerSec: (r.reactionFrames / members / r.wallMs) * 1000,
  }
}

const describe = (x: StormRun) =>
  `p50 ${x.p50.toFixed(1)} p99 ${x.p99.toFixed(1)} p99.9 ${x.p999.toFixed(1)} ms, delivered ${(x.delivered * 100).toFixed(2)}%, errors ${x.errors}, ` +
  `reacts ${x.reactsPerSec.toFixed(0)}/s (${x.reactErrors} refused), ${x.framesPerMemberPerSec.toFixed(2)} reactions frames/member/s`

export async function reactionStorm(side: Side, plan: StormPlan): Promise<StormResult> {
  const c = await side.gen.call({ op: 'connect', count: plan.members, concurrency: 200 })
  const j = await side.gen.call({
    op: 'join',
    roomSize: plan.members,
    prefix: `storm-${Date.now().toString(36)}`,
    samplesPerRoom: plan.samples,
  })
  if (c.failed || j.failed) throw new Error(`storm: ${c.failed} connects and ${j.failed} joins failed`)
  log(
    `  ${side.target} storm: ${plan.members} members joined; ${plan.messagesPerSec} messages/s, then + ${plan.reactors} × ${plan.reactRate} likes/s`,
  )
  await quiet(side)
  const base = { rate: plan.messagesPerSec, sendersPerRoom: plan.senders, drainMs: 2000 }
  // Warm-up of both paths (JIT, pools), not measured.
  await side.gen.run({ ...base, durationMs: 1500, reactors: plan.reactors, reactRate: plan.reactRate })
  await sleep(2000) // its last `reactions` frame comes up to ~1.6 s after the last tap
  await quiet(side)
  const once = async (reactors: number) => {
    await machineCalm(side)
    const m = await measured(side, () => side.gen.run({ ...base, durationMs: plan.durationMs, reactors, reactRate: plan.reactRate }))
    const s = summary(m, plan.members)
    log(`  ${side.target} storm ${reactors ? 'with' : 'without'} reactions: ${describe(s)} | ${cpuLine(m)}`)
    await quiet(side)
    return s
  }
  const without = await once(0)
  const withStorm = await once(plan.reactors)
  await side.gen.call({ op: 'close' })
  await quiet(side)
  return { ...plan, quiet: without, storm: withStorm }
}
