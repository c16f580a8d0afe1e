/**
 * One side of the comparison — a deployment and the generator process that drives it — and
 * the measurements around a run: CPU of every process involved, and of everything else on
 * the machine, which on a shared box is the figure that says whether a step can be trusted.
 */
import type { Target } from './adapters'
import type { Deployment } from './cluster'
import type { Generator } from './gen-client'
import { cpuMs, machineBusyMs, type Proc } from './procs'

export interface Side {
  target: Target
  gen: Generator
  dep: Deployment
  redis: Proc | null
  pgCpu: (() => Promise<number>) | null
  /** CPU of every benchmark process, both sides (to tell other people's load apart). */
  allBenchCpu: () => Promise<number>
}

export interface Measured<T> {
  value: T
  wallMs: number
  serverCpuMs: number
  redisCpuMs: number
  pgCpuMs: number
  genCpuMs: number
  /** Busy CPU on the machine outside the benchmark's processes (other work, kernel threads). */
  otherCpuMs: number
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const started = Date.now()
/**
 * After this much of the run, steps stop waiting for a calm machine and failed steps are not
 * retried: on a busy shared box those waits are what could push `pnpm bench` past 10 minutes.
 */
const PATIENCE_MS = Number(process.env.BENCH_PATIENCE_S ?? 330) * 1000
export const patient = () => Date.now() - started < PATIENCE_MS
export const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${s}\n`)

export async function measured<T>(e: Side, fn: () => Promise<T>): Promise<Measured<T>> {
  const s0 = e.dep.cpu()
  const r0 = e.redis ? cpuMs(e.redis.pid) : 0
  const p0 = e.pgCpu ? await e.pgCpu() : 0
  const g0 = e.gen.cpu()
  const b0 = await e.allBenchCpu()
  const m0 = machineBusyMs()
  const t0 = performance.now()
  const value = await fn()
  const wallMs = performance.now() - t0
  const m1 = machineBusyMs()
  const b1 = await e.allBenchCpu()
  return {
    value,
    wallMs,
    serverCpuMs: e.dep.cpu() - s0,
    redisCpuMs: e.redis ? cpuMs(e.redis.pid) - r0 : 0,
    pgCpuMs: e.pgCpu ? Math.max(0, (await e.pgCpu()) - p0) : 0,
    genCpuMs: e.gen.cpu() - g0,
    otherCpuMs: Math.max(0, m1 - m0 - (b1 - b0)),
  }
}

/** Share of one core, for logs. */
export function cpuLine(m: Measured<unknown>): string {
  const p = (x: number) => `${((x / m.wallMs) * 100).toFixed(0)}%`
  return `cpu: servers ${p(m.serverCpuMs)} gen ${p(m.genCpuMs)} redis ${p(m.redisCpuMs)} pg ${p(m.pgCpuMs)} other ${p(m.otherCpuMs)}`
}

export const otherLoad = (m: Measured<unknown>) => m.otherCpuMs / m.wallMs

/**
 * Waits (up to maxMs) until work outside the benchmark stays under half a core for a moment:
 * the machine is shared, and a step measured while something else eats a core measures that.
 */
export async function machineCalm(e: Side, maxMs = 6000): Promise<number> {
  const t0 = Date.now()
  let other = 0
  while (patient() && Date.now() - t0 < maxMs) {
    const m0 = machineBusyMs()
    const b0 = await e.allBenchCpu()
    await sleep(400)
    other = (machineBusyMs() - m0 - ((await e.allBenchCpu()) - b0)) / 400
    if (other < 0.5) return other
  }
  return other
}

/** Waits until the server processes are (nearly) idle, so one step's backlog does not leak into the next. */
export async function quiet(e: Side, maxMs = 20_000): Promise<void> {
  const t0 = Date.now()
  let prev = e.dep.cpu()
  while (Date.now() - t0 < maxMs) {
    await sleep(300)
    const c = e.dep.cpu()
    if (c - prev <= 20 * e.dep.nodes.length) return
    prev = c
  }
  log(`  ${e.target}: servers still busy after ${maxMs / 1000} s`)
}
