/** The comparison table `pnpm bench` prints (Markdown, pasted into docs/benchmarks.md). */
import type { StormResult } from './storm'

export interface FanoutResult {
  roomSize: number
  conns: number
  /** Highest offered deliveries/s with ≥ 99.9 % delivered and p99 < 100 ms. */
  maxDeliveriesPerSec: number
  steps: Array<{ deliveriesPerSec: number; delivered: number; p99: number; pass: boolean; otherPct: number }>
  /** Latency at half of this side's own maximum. */
  half: { deliveriesPerSec: number; p50: number; p99: number; p999: number; delivered: number; otherPct: number } | null
  /** CPU per delivery at one rate for both sides (half of the lower maximum). */
  cost: {
    deliveriesPerSec: number
    serverCpuPer1k: number
    redisCpuPer1k: number
    pgCpuPer1k: number
    serverCpuPct: number
    genCpuPct: number
    otherPct: number
    /** Latency at that same rate: both sides under the same load. */
    p50: number
    p99: number
  } | null
}

export interface IdleResult {
  conns: number
  roomSize: number
  /** Joins made in this step (connections added since the previous step) and their wall time. */
  joins: number
  joinMs: number
  /** VmRSS from /proc over both nodes, minus the base, per connection: no GC forced. */
  vmRssPerConn: number
  /** After a forced GC through the inspector. */
  heapPerConn: number
  rssPerConn: number
  connectPerSec: number
  joinPerSec: number
}

export interface SteadyResult {
  rooms: number
  size: number
  messagesPerSec: number
  deliveriesPerSec: number
  delivered: number
  errors: number
  p50: number
  p99: number
  p999: number
  serverCpuPer1k: number
  redisCpuPer1k: number
  pgCpuPer1k: number
  otherPct: number
}

export interface TargetResults {
  fanout: FanoutResult[]
  /** Issue 13: one room of 10, every member sending (bench/run.ts HOT). */
  hot?: FanoutResult | null
  idle: IdleResult[]
  steady: SteadyResult | null
  sqlite: FanoutResult | null
  /** Ours only: the reaction storm (bench/lib/storm.ts). */
  storm?: StormResult | null
}

export interface Results {
  date: string
  machine: string
  node: string
  command: string
  elapsedSec?: number
  targets: Partial<Record<'chat' | 'sio', TargetResults>>
}

type Better = 'higher' | 'lower'
interface Row {
  label: string
  ours: number | null
  peer: number | null
  better: Better
  fmt: (n: number) => string
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0))
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const kibN = (n: number) => (n / 1024).toFixed(1)
const sec = (n: number) => (n / 1000).toFixed(1)
const dec = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
const pct = (n: number) => `${(n * 100).toFixed(2)} %`

function table(rows: Row[]): string {
  const out = ['| figure | this server | Socket.IO + redis-adapter | ours ÷ Socket.IO | better |', '|---|---:|---:|---:|---|']
  for (const r of rows) {
    const ratio = r.ours !== null && r.peer !== null && r.peer !== 0 ? `${(r.ours / r.peer).toFixed(2)}×` : '—'
    out.push(
      `| ${r.label} | ${r.ours === null ? '—' : r.fmt(r.ours)} | ${r.peer === null ? '—' : r.fmt(r.peer)} | ${ratio} | ${r.better} |`,
    )
  }
  return out.join('\n') + '\n'
}

function fanoutRows(o: FanoutResult | undefined | null, p: FanoutResult | undefined | null, size: number, prefix = `room ${size}`): Row[] {
  const h = (r: FanoutResult | undefined | null, f: (x: NonNullable<FanoutResult['half']>) => number) => (r?.half ? f(r.half) : null)
  const c = (r: FanoutResult | undefined | null, f: (x: NonNullable<FanoutResult['cost']>) => number) => (r?.cost ? f(r.cost) : null)
  const at = o?.cost ?? p?.cost
  const rate = at ? ` at ${int(at.deliveriesPerSec)}/s` : ''
  return [
    {
      label: `${prefix}: max deliveries/s (≥ 99.9 % delivered, p99 < 100 ms)`,
      ours: o?.maxDeliveriesPerSec ?? null,
      peer: p?.maxDeliveriesPerSec ?? null,
      better: 'higher',
      fmt: int,
    },
    { label: `${prefix}: p50 at half of own max (ms)`, ours: h(o, (x) => x.p50), peer: h(p, (x) => x.p50), better: 'lower', fmt: ms },
    { label: `${prefix}: p99 at half of own max (ms)`, ours: h(o, (x) => x.p99), peer: h(p, (x) => x.p99), better: 'lower', fmt: ms },
    { label: `${prefix}: p99.9 at half of own max (ms)`, ours: h(o, (x) => x.p999), peer: h(p, (x) => x.p999), better: 'lower', fmt: ms },
    {
      label: `${prefix}: p50 at the common rate${rate} (ms)`,
      ours: c(o, (x) => x.p50),
      peer: c(p, (x) => x.p50),
      better: 'lower',
      fmt: ms,
    },
    {
      label: `${prefix}: p99 at the common rate${rate} (ms)`,
      ours: c(o, (x) => x.p99),
      peer: c(p, (x) => x.p99),
      better: 'lower',
      fmt: ms,
    },
    {
      label: `${prefix}: server CPU-ms per 1000 deliveries${rate}`,
      ours: c(o, (x) => x.serverCpuPer1k),
      peer: c(p, (x) => x.serverCpuPer1k),
      better: 'lower',
      fmt: dec,
    },
    {
      label: `${prefix}: deliveries per server CPU-second${rate}`,
      ours: c(o, (x) => 1e6 / x.serverCpuPer1k),
      peer: c(p, (x) => 1e6 / x.serverCpuPer1k),
      better: 'higher',
      fmt: int,
    },
    {
      label: `${prefix}: + Redis CPU-ms per 1000`,
      ours: c(o, (x) => x.redisCpuPer1k),
      peer: c(p, (x) => x.redisCpuPer1k),
      better: 'lower',
      fmt: dec,
    },
    {
      label: `${prefix}: + Postgres CPU-ms per 1000 (peer stores nothing)`,
      ours: c(o, (x) => x.pgCpuPer1k),
      peer: c(p, (x) => x.pgCpuPer1k),
      better: 'lower',
      fmt: dec,
    },
  ]
}

export function printReport(r: Results): string {
  const o = r.targets.chat
  const p = r.targets.sio
  let s = `\n# pnpm bench — ${r.date}\n\n${r.machine}; Node ${r.node}; ${r.elapsedSec ? `${r.elapsedSec.toFixed(0)} s` : ''}\n`
  s += 'Generator, server nodes, Redis and Postgres share the same cores.\n\n'
  const rows: Row[] = []
  for (const size of [10, 100, 1000]) {
    const a = o?.fanout.find((f) => f.roomSize === size)
    const b = p?.fanout.find((f) => f.roomSize === size)
    if (a || b) rows.push(...fanoutRows(a, b, size))
  }
  if (rows.length) s += '## Fan-out, 2 nodes + Redis (ours also writes every message to Postgres before acking)\n\n' + table(rows)
  if (o?.hot || p?.hot) {
    s += '\n## One hot room of 10 (members on both nodes, all 10 sending), 2 nodes + Redis (ours also stores every message in Postgres)\n\n'
    const hot = fanoutRows(o?.hot, p?.hot, 10, 'hot room')
    const stored = (r: FanoutResult | null | undefined) => (r ? r.maxDeliveriesPerSec / r.roomSize : null)
    hot.splice(1, 0, {
      label: 'hot room: messages/s at that max (ours stores each; = deliveries ÷ 10)',
      ours: stored(o?.hot),
      peer: stored(p?.hot),
      better: 'higher',
      fmt: int,
    })
    s += table(hot)
  }
  if (o?.idle.length || p?.idle.length) {
    const size = (o?.idle[0] ?? p?.idle[0])!.roomSize
    s += `\n## Joins and idle connections (authenticated, in rooms of ${size}), 2 nodes + Redis\n\n`
    const idle: Row[] = []
    for (const n of [5000, 10000]) {
      const a = o?.idle.find((x) => x.conns === n)
      const b = p?.idle.find((x) => x.conns === n)
      if (!a && !b) continue
      const joins = (a ?? b)!.joins
      const k = `${n / 1000}k`
      const into = joins === n ? `${k} into rooms of ${size}` : `${k} (${joins / 1000}k more) into rooms of ${size}`
      const f = (r: IdleResult | undefined, g: (x: IdleResult) => number) => (r ? g(r) : null)
      idle.push(
        { label: `${into}: join time (s)`, ours: f(a, (x) => x.joinMs), peer: f(b, (x) => x.joinMs), better: 'lower', fmt: sec },
        {
          label: `${k}: join rate (joins/s)`,
          ours: f(a, (x) => x.joinPerSec),
          peer: f(b, (x) => x.joinPerSec),
          better: 'higher',
          fmt: int,
        },
        {
          label: `${k}: VmRSS per connection, no GC (KiB)`,
          ours: f(a, (x) => x.vmRssPerConn),
          peer: f(b, (x) => x.vmRssPerConn),
          better: 'lower',
          fmt: kibN,
        },
        {
          label: `${k}: heap per connection, after forced GC (KiB)`,
          ours: f(a, (x) => x.heapPerConn),
          peer: f(b, (x) => x.heapPerConn),
          better: 'lower',
          fmt: kibN,
        },
        {
          label: `${k}: RSS per connection, after forced GC (KiB)`,
          ours: f(a, (x) => x.rssPerConn),
          peer: f(b, (x) => x.rssPerConn),
          better: 'lower',
          fmt: kibN,
        },
        {
          label: `${k}: connect rate (conn/s, open + auth)`,
          ours: f(a, (x) => x.connectPerSec),
          peer: f(b, (x) => x.connectPerSec),
          better: 'higher',
          fmt: int,
        },
      )
    }
    s += table(idle)
  }
  if (o?.steady || p?.steady) {
    const a = o?.steady
    const b = p?.steady
    const x = a ?? b!
    s += `\n## Many small rooms: ${x.rooms} rooms of ${x.size}, ${int(x.messagesPerSec)} messages/s (${int(x.deliveriesPerSec)} deliveries/s)\n\n`
    s += table([
      { label: 'delivered', ours: a?.delivered ?? null, peer: b?.delivered ?? null, better: 'higher', fmt: pct },
      { label: 'p50 (ms)', ours: a?.p50 ?? null, peer: b?.p50 ?? null, better: 'lower', fmt: ms },
      { label: 'p99 (ms)', ours: a?.p99 ?? null, peer: b?.p99 ?? null, better: 'lower', fmt: ms },
      { label: 'p99.9 (ms)', ours: a?.p999 ?? null, peer: b?.p999 ?? null, better: 'lower', fmt: ms },
      {
        label: 'server CPU-ms per 1000 deliveries',
        ours: a?.serverCpuPer1k ?? null,
        peer: b?.serverCpuPer1k ?? null,
        better: 'lower',
        fmt: dec,
      },
      { label: '+ Redis CPU-ms per 1000', ours: a?.redisCpuPer1k ?? null, peer: b?.redisCpuPer1k ?? null, better: 'lower', fmt: dec },
      { label: '+ Postgres CPU-ms per 1000', ours: a?.pgCpuPer1k ?? null, peer: b?.pgCpuPer1k ?? null, better: 'lower', fmt: dec },
    ])
  }
  if (o?.sqlite || p?.sqlite) {
    s += '\n## One node, room of 1000 (ours: SQLite + in-process bus; peer: in-memory adapter)\n\n'
    s += table(
      fanoutRows(o?.sqlite, p?.sqlite, 1000, 'one node').filter((x) => !x.label.includes('Redis') && !x.label.includes('Postgres')),
    )
  }
  if (o?.storm) s += stormTable(o.storm)
  s += '\n## Targets (room of 1000, 2 nodes)\n\n' + verdicts(r) + '\n'
  return s
}

/** Ours only: the same messages without and with the storm. */
function stormTable(x: StormResult): string {
  const rows: Array<[string, (r: StormResult['quiet']) => string]> = [
    ['messages: p50 (ms)', (r) => ms(r.p50)],
    ['messages: p99 (ms)', (r) => ms(r.p99)],
    ['messages: p99.9 (ms)', (r) => ms(r.p999)],
    ['messages: delivered', (r) => pct(r.delivered)],
    ['server CPU (both nodes, % of one core)', (r) => r.serverCpuPct.toFixed(0)],
    ['Redis CPU (%)', (r) => r.redisCpuPct.toFixed(0)],
    ['Postgres CPU (%)', (r) => r.pgCpuPct.toFixed(0)],
    ['likes tapped per second (refused)', (r) => `${int(r.reactsPerSec)} (${r.reactErrors})`],
    ['`reactions` frames per member per second', (r) => dec(r.framesPerMemberPerSec)],
    ['other load on the machine (%)', (r) => r.otherPct.toFixed(0)],
  ]
  let s = `\n## Reaction storm: room of ${int(x.members)}, 2 nodes + Redis + Postgres, ${x.messagesPerSec} messages/s (${int(x.messagesPerSec * x.members)} deliveries/s)\n\n`
  s += `| figure | without the storm | with ${x.reactors} members × ${x.reactRate} likes/s |\n|---|---:|---:|\n`
  for (const [label, f] of rows) s += `| ${label} | ${f(x.quiet)} | ${f(x.storm)} |\n`
  const met = x.storm.p99 < 100 && x.storm.delivered >= 0.999
  s += `\n- ${met ? 'MET ' : 'NOT MET'} ordinary messages' p99 under 100 ms during the storm: ${ms(x.storm.p99)} ms\n`
  return s
}

function verdicts(r: Results): string {
  const o = r.targets.chat
  const p = r.targets.sio
  const a = o?.fanout.find((f) => f.roomSize === 1000)
  const b = p?.fanout.find((f) => f.roomSize === 1000)
  const lines: string[] = []
  const line = (name: string, ok: boolean | null, detail: string) =>
    lines.push(`- ${ok === null ? 'n/a ' : ok ? 'MET ' : 'NOT MET'} ${name}: ${detail}`)
  if (a?.cost && b?.cost) {
    const ratio = b.cost.serverCpuPer1k / a.cost.serverCpuPer1k
    line(
      '≥ 2× deliveries per CPU-second',
      ratio >= 2,
      `${ratio.toFixed(2)}× at ${int(a.cost.deliveriesPerSec)} deliveries/s (server processes; ${((b.cost.serverCpuPer1k + b.cost.redisCpuPer1k) / (a.cost.serverCpuPer1k + a.cost.redisCpuPer1k + a.cost.pgCpuPer1k)).toFixed(2)}× counting Redis and Postgres too)`,
    )
  } else line('≥ 2× deliveries per CPU-second', null, 'not measured')
  if (a && b && b.maxDeliveriesPerSec > 0) {
    const ratio = a.maxDeliveriesPerSec / b.maxDeliveriesPerSec
    line(
      '≥ 2× max sustainable deliveries/s',
      ratio >= 2,
      `${ratio.toFixed(2)}× (${int(a.maxDeliveriesPerSec)} vs ${int(b.maxDeliveriesPerSec)})`,
    )
  } else line('≥ 2× max sustainable deliveries/s', null, 'not measured')
  const ia = o?.idle.at(-1)
  const ib = p?.idle.at(-1)
  if (ia && ib) {
    const ratio = ia.heapPerConn / ib.heapPerConn
    line(
      '≤ ½ heap per idle connection',
      ratio <= 0.5,
      `${ratio.toFixed(2)}× at ${ia.conns / 1000}k (${kib(ia.heapPerConn)} vs ${kib(ib.heapPerConn)})`,
    )
  } else line('≤ ½ heap per idle connection', null, 'not measured')
  if (a?.half && b?.half) {
    line(
      'p99 at half load ≤ its p99',
      a.half.p99 <= b.half.p99,
      `${ms(a.half.p99)} ms vs ${ms(b.half.p99)} ms (each at half of its own maximum)${a.cost && b.cost ? `; at the same rate, ${int(a.cost.deliveriesPerSec)}/s: ${ms(a.cost.p99)} vs ${ms(b.cost.p99)} ms` : ''}`,
    )
  } else line('p99 at half load ≤ its p99', null, 'not measured')
  return lines.join('\n')
}
