/**
 * Ours (or, with BENCH_TARGET=sio, the peer) alone on two nodes (Redis + a fresh Postgres database, as in `pnpm bench`), for the
 * one-sided tools (fixed-rate.ts, heap-census.ts): set up, run, always torn down.
 */
import { JWT_SECRET, createBenchDatabase, deploy } from './cluster'
import type { Target } from './adapters'
import { Generator } from './gen-client'
import { cpuMs, startRedis } from './procs'
import type { Side } from './side'

export async function withChatSide(extraArgs: string[], body: (side: Side) => Promise<void>): Promise<void> {
  // BENCH_TARGET=sio runs the same tool against the peer (flags are ours only).
  const target: Target = process.env.BENCH_TARGET === 'sio' ? 'sio' : 'chat'
  const redis = await startRedis()
  const db = await createBenchDatabase(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  const gen = Generator.start()
  try {
    const dep = await deploy(target, { nodes: 2, redisUrl: redis.url, databaseUrl: db.url, extraArgs: target === 'chat' ? extraArgs : [] })
    try {
      await gen.call({ op: 'init', target, nodes: dep.urls, secret: JWT_SECRET })
      await body({
        target,
        gen,
        dep,
        redis,
        pgCpu: db.cpu,
        allBenchCpu: async () => dep.cpu() + gen.cpu() + cpuMs(redis.pid) + (await db.cpu()),
      })
    } finally {
      await dep.stop()
    }
  } finally {
    await gen.stop()
    await redis.stop()
    await db.drop().catch(() => {})
  }
}

/** Runs a tool's main and exits with its outcome (the generator and nodes are children). */
export function runTool(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${name} failed: ${(err as Error).stack ?? err}\n`)
      process.exit(1)
    },
  )
}
