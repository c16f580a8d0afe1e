/**
 * Where one node allocates while its connections sit idle (or under a fixed load): V8's
 * sampling heap profiler with the objects the young and old generation collections freed
 * kept, so short-lived garbage shows (it is what drives an idle node's scavenges).
 *
 *   BENCH_CONNS=5000 BENCH_ROOM=5 BENCH_ALLOC_MS=15000 npx tsx bench/alloc-profile.ts
 *
 * Prints bytes allocated per second by the functions that allocated most (self) and by the
 * stacks they came from (inclusive, the server's own functions only).
 */
import { runTool, withChatSide } from './lib/chat-side'
import { inspect } from './lib/procs'
import { log, quiet } from './lib/side'

const env = process.env
const ROOM = Number(env.BENCH_ROOM ?? 5)
const CONNS = Number(env.BENCH_CONNS ?? 5000)
const MS = Number(env.BENCH_ALLOC_MS ?? 15_000)
const TOP = Number(env.BENCH_TOP ?? 25)

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: Node[]
}

async function main(): Promise<void> {
  await withChatSide([], async (side) => {
    await side.gen.call({ op: 'connect', count: CONNS, concurrency: 200 })
    await side.gen.call({ op: 'join', roomSize: ROOM, prefix: `al${Date.now().toString(36)}`, samplesPerRoom: 0 })
    await quiet(side, 6000)
    const s = await inspect(await side.dep.nodes[0].inspectorUrl())
    await s.call('HeapProfiler.enable')
    await s.call('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
    await new Promise((r) => setTimeout(r, MS))
    const { result } = await s.call('HeapProfiler.stopSampling')
    s.close()
    const self = new Map<string, number>()
    const incl = new Map<string, number>()
    const name = (n: Node) =>
      `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`
    let total = 0
    // BENCH_WHO=<function name>: where that function's allocations were called from.
    const who = new Map<string, number>()
    const walk = (n: Node, stack: string[]): number => {
      const k = name(n)
      let sum = n.selfSize
      self.set(k, (self.get(k) ?? 0) + n.selfSize)
      if (env.BENCH_WHO && n.callFrame.functionName === env.BENCH_WHO && n.selfSize > 0) {
        const at = stack.slice(-4).join(' < ')
        who.set(at, (who.get(at) ?? 0) + n.selfSize)
      }
      for (const c of n.children) sum += walk(c, [...stack, k])
      if (!stack.includes(k) && n.callFrame.url.includes('main.js')) incl.set(k, (incl.get(k) ?? 0) + sum)
      return sum
    }
    total = walk(result.profile.head, [])
    const perSec = (b: number) => `${(((b / MS) * 1000) / 1024).toFixed(1).padStart(8)} KiB/s`
    log(`node 1, ${CONNS} connections in rooms of ${ROOM}, ${MS / 1000} s: ${perSec(total)} allocated`)
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) process.stdout.write(`self ${perSec(v)} ${k}\n`)
    for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, TOP)) process.stdout.write(`incl ${perSec(v)} ${k}\n`)
    for (const [k, v] of [...who].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`who  ${perSec(v)} ${k}\n`)
  })
}

runTool('alloc-profile', main)
