/**
 * What an idle connection keeps, by kind of object (issue 13's memory target): two nodes of
 * one build (Redis + Postgres, as in `pnpm bench`), a heap snapshot of the first node before
 * the connections and one after BENCH_CONNS connections joined rooms of BENCH_ROOM, then the
 * difference per connection of that node, by V8 node type and constructor name.
 *
 *   BENCH_MAIN_JS=… BENCH_CONNS=5000 BENCH_ROOM=100 npx tsx bench/heap-census.ts
 */
import { runTool, withChatSide } from './lib/chat-side'
import { MAIN_JS } from './lib/cluster'
import { inspect } from './lib/procs'
import { log, quiet } from './lib/side'

const env = process.env
const ROOM = Number(env.BENCH_ROOM ?? 100)
const CONNS = Number(env.BENCH_CONNS ?? 5000)
const TOP = Number(env.BENCH_TOP ?? 40)

type Census = Map<string, { count: number; bytes: number }>

/** Takes a heap snapshot through the inspector (after two full GCs) and sums it by kind. */
async function census(inspectorUrl: string): Promise<{ total: number; kinds: Census }> {
  const s = await inspect(inspectorUrl)
  const chunks: string[] = []
  s.onEvent((m) => {
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(m.params.chunk)
  })
  try {
    await s.call('HeapProfiler.enable')
    await s.call('HeapProfiler.collectGarbage')
    await s.call('HeapProfiler.collectGarbage')
    await s.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  } finally {
    s.close()
  }
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }
    nodes: number[]
    edges: number[]
    strings: string[]
  }
  const f = snap.snapshot.meta.node_fields
  const width = f.length
  const [typeAt, nameAt, sizeAt] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')]
  const types = snap.snapshot.meta.node_types[0]
  const ef = snap.snapshot.meta.edge_fields
  const ew = ef.length
  const [eTypeAt, eNameAt, eToAt] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')]
  const edgeTypes = snap.snapshot.meta.edge_types[0]
  const countAt = f.indexOf('edge_count')
  // Who holds each node (its first strong retainer), so backing stores are told apart by owner.
  const owner = new Int32Array(snap.nodes.length / width).fill(-1)
  const ownerEdge: string[] = []
  for (let i = 0, e = 0; i < snap.nodes.length; i += width) {
    const n = snap.nodes[i + countAt]
    for (let k = 0; k < n; k++, e += ew) {
      const et = edgeTypes[snap.edges[e + eTypeAt]]
      if (et === 'weak' || et === 'shortcut') continue
      const to = snap.edges[e + eToAt] / width
      if (owner[to] !== -1) continue
      owner[to] = i / width
      ownerEdge[to] = et === 'element' || et === 'hidden' ? `[${et}]` : String(snap.strings[snap.edges[e + eNameAt]]).slice(0, 30)
    }
  }
  const label = (j: number) => {
    const t = types[snap.nodes[j * width + typeAt]]
    const nm = snap.strings[snap.nodes[j * width + nameAt]]
    return t === 'object' || t === 'closure' || t === 'native' || t === 'synthetic' ? `${t} ${nm.slice(0, 40)}` : t
  }
  const kinds: Census = new Map()
  let total = 0
  for (let i = 0; i < snap.nodes.length; i += width) {
    const size = snap.nodes[i + sizeAt]
    total += size
    // Strings and code by type only (their names are their contents), plus who holds them.
    const j = i / width
    const o = owner[j]
    const o2 = o === -1 ? -1 : owner[o]
    const key = `${label(j)} <- ${o === -1 ? '?' : label(o)}.${ownerEdge[j] ?? ''} <- ${o2 === -1 ? '?' : label(o2)}.${ownerEdge[o] ?? ''}`
    const k = kinds.get(key) ?? { count: 0, bytes: 0 }
    k.count++
    k.bytes += size
    kinds.set(key, k)
  }
  return { total, kinds }
}

async function main(): Promise<void> {
  await withChatSide([], async (side) => {
    const { gen, dep } = side
    await dep.attachInspector()
    await quiet(side)
    const url = await dep.nodes[0].inspectorUrl()
    const before = await census(url)
    await gen.call({ op: 'connect', count: CONNS, concurrency: 200 })
    await gen.call({ op: 'join', roomSize: ROOM, prefix: `hc${Date.now().toString(36)}`, samplesPerRoom: 0 })
    await quiet(side)
    await new Promise((r) => setTimeout(r, 5000))
    const after = await census(url)
    // The generator spreads connections evenly over the nodes.
    const n = CONNS / dep.nodes.length
    log(`${MAIN_JS}: node 1, ${n} connections: ${((after.total - before.total) / n).toFixed(0)} B/conn in the snapshot`)
    const rows = [...after.kinds].map(([k, a]) => {
      const b = before.kinds.get(k) ?? { count: 0, bytes: 0 }
      return { k, count: (a.count - b.count) / n, bytes: (a.bytes - b.bytes) / n }
    })
    rows.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes))
    for (const r of rows.slice(0, TOP)) log(`${r.bytes.toFixed(1).padStart(8)} B ${r.count.toFixed(2).padStart(7)} ×  ${r.k}`)
  })
}

runTool('heap-census', main)
