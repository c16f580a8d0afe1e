/**
 * The load generator: its own process (forked by run.ts, talking over the IPC channel), so
 * its work never shares an event loop with a server under test. It opens connections,
 * joins rooms, and sends open-loop: message i is due at t0 + i/rate whatever happened to
 * earlier ones, and its latency is measured from that intended time, so a stalled server
 * cannot hide its stall by slowing the sender down (no coordinated omission).
 */
import { build, type Histogram } from 'hdr-histogram-js'
import { performance } from 'node:perf_hooks'
import { signToken } from '../src/lib/jwt'
import { makeClient, type BenchClient, type Sink, type Target } from './lib/adapters'
import type { GenCommand, GenReply, RunResult } from './lib/gen-protocol'

let target: Target = 'chat'
let nodes: string[] = []
let secret = ''
const tokens: string[] = []
let clients: BenchClient[] = []
let rooms: { id: string; members: BenchClient[] }[] = []

// Per-run state, reset by each run.
let runTag = ''
const sentAt = new Map<string, number>()
let hist: Histogram = newHist()
const counts = { received: 0, stray: 0, acked: 0, errors: 0, reactions: 0, reactErrors: 0 }
const errorCodes = new Map<string, number>()

function newHist(): Histogram {
  return build({ lowestDiscernibleValue: 10, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 })
}

const sink: Sink = {
  count: () => void counts.received++,
  sample(cid) {
    const t = sentAt.get(cid)
    if (t === undefined) {
      counts.stray++
      return
    }
    counts.received++
    hist.recordValue(Math.max(10, Math.round((performance.now() - t) * 1000)))
  },
  acked: () => void counts.acked++,
  failed(reason) {
    counts.errors++
    errorCodes.set(reason, (errorCodes.get(reason) ?? 0) + 1)
  },
  reaction: () => void counts.reactions++,
  reactFailed(reason) {
    counts.reactErrors++
    errorCodes.set(`react:${reason}`, (errorCodes.get(`react:${reason}`) ?? 0) + 1)
  },
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0
  let failed = 0
  let firstError: unknown = null
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++
        try {
          await fn(i)
        } catch (err) {
          failed++
          firstError ??= err
        }
      }
    }),
  )
  if (failed > 0) process.stderr.write(`generator: ${failed} of ${n} failed, first: ${String(firstError)}\n`)
  return failed
}

/** Users for connections: guest logins on our server, locally signed tokens for the peer. */
async function ensureUsers(count: number): Promise<number> {
  const t0 = performance.now()
  const from = tokens.length
  if (count <= from) return 0
  if (target === 'sio') {
    for (let i = from; i < count; i++) tokens.push(signToken(secret, `u_bench${i}`, 24 * 3600))
  } else {
    const got: string[] = new Array(count - from)
    await pool(count - from, 64, async (k) => {
      const base = nodes[(from + k) % nodes.length]
      const res = await fetch(`${base}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-${from + k}` }),
      })
      if (res.status !== 200) throw new Error(`login ${res.status} ${await res.text()}`)
      got[k] = ((await res.json()) as { token: string }).token
    })
    tokens.push(...got)
  }
  return performance.now() - t0
}

async function connect(count: number, concurrency: number): Promise<{ ms: number; failed: number }> {
  await ensureUsers(clients.length + count)
  const from = clients.length
  const fresh = Array.from({ length: count }, (_, k) => makeClient(target, from + k, sink, false))
  clients.push(...fresh)
  const t0 = performance.now()
  const failed = await pool(count, concurrency, (k) => {
    const c = fresh[k]
    return c.connect(nodes[c.index % nodes.length], tokens[c.index])
  })
  return { ms: performance.now() - t0, failed }
}

/** Consecutive clients form a room, so every room has members on every node. */
async function join(roomSize: number, prefix: string, samplesPerRoom: number, from = 0): Promise<{ ms: number; failed: number }> {
  rooms = []
  for (let i = from; i + roomSize <= clients.length; i += roomSize) {
    const members = clients.slice(i, i + roomSize)
    // Senders are the first members, sampled receivers the last: a sample is not the sender.
    members.forEach((c, k) => (c.sampled = k >= roomSize - samplesPerRoom))
    rooms.push({ id: `${prefix}-${Math.floor(i / roomSize)}`, members })
  }
  const order = rooms.flatMap((r) => r.members.map((c) => ({ c, room: r.id })))
  const t0 = performance.now()
  const failed = await pool(order.length, 100, (k) => order[k].c.join(order[k].room))
  return { ms: performance.now() - t0, failed }
}

async function run(o: Extract<GenCommand, { op: 'run' }>): Promise<RunResult> {
  runTag = `r${Date.now().toString(36)}`
  sentAt.clear()
  hist = newHist()
  counts.received = counts.stray = counts.acked = counts.errors = counts.reactions = counts.reactErrors = 0
  errorCodes.clear()
  const size = rooms[0]?.members.length ?? 0
  const senders = rooms.map((r) => r.members.slice(0, Math.min(o.sendersPerRoom, r.members.length)))
  const total = Math.max(1, Math.round((o.rate * o.durationMs) / 1000))
  const gap = 1000 / o.rate
  const text = 'the quick brown fox jumps over the lazy dog, 0123456789'
  // The storm: its own open-loop schedule, tap j due at t0 + j / (reactors × reactRate).
  const reactors = rooms.map((r) => r.members.slice(o.sendersPerRoom, o.sendersPerRoom + (o.reactors ?? 0)))
  const reactTotal = o.reactors && o.reactRate ? Math.round((o.reactors * rooms.length * o.reactRate * o.durationMs) / 1000) : 0
  const reactGap = reactTotal ? 1000 / (o.reactors! * rooms.length * o.reactRate!) : 0
  let j = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now() + 20
  let i = 0
  let maxLag = 0
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now()
      while (j < reactTotal && t0 + j * reactGap <= now) {
        const r = j % rooms.length
        const group = reactors[r]
        const c = group[Math.floor(j / rooms.length) % group.length]
        if (!c.closed) c.react(rooms[r].id)
        j++
      }
      if (i < total && t0 + i * gap <= now) maxLag = Math.max(maxLag, now - (t0 + i * gap))
      while (i < total && t0 + i * gap <= now) {
        const r = i % rooms.length
        const group = senders[r]
        const sender = group[Math.floor(i / rooms.length) % group.length]
        const cid = `${runTag}-${i.toString(36)}`
        sentAt.set(cid, t0 + i * gap)
        if (!sender.closed) sender.send(rooms[r].id, cid, text)
        i++
      }
      if (i >= total && j >= reactTotal) return done()
      const next = Math.min(i < total ? t0 + i * gap : Infinity, j < reactTotal ? t0 + j * reactGap : Infinity)
      setTimeout(tick, Math.max(0, Math.min(5, next - performance.now())))
    }
    setTimeout(tick, 20)
  })
  const sendEnd = performance.now()
  // Drain: wait for the last pushes (a run that needs more than drainMs has failed anyway).
  const deadline = sendEnd + o.drainMs
  while (performance.now() < deadline) {
    if (counts.received >= (total - counts.errors) * size && counts.acked + counts.errors >= total) break
    await sleep(20)
  }
  const cpu = process.cpuUsage(cpu0)
  const expected = (total - counts.errors) * size
  const p = (q: number) => hist.getValueAtPercentile(q) / 1000
  return {
    rate: o.rate,
    roomSize: size,
    rooms: rooms.length,
    sent: total,
    acked: counts.acked,
    errors: counts.errors,
    errorCodes: Object.fromEntries(errorCodes),
    expected,
    received: counts.received,
    delivered: expected > 0 ? counts.received / expected : 0,
    samples: hist.totalCount,
    stray: counts.stray,
    p50: p(50),
    p90: p(90),
    p99: p(99),
    p999: p(99.9),
    max: hist.maxValue / 1000,
    sendMs: sendEnd - t0,
    wallMs: performance.now() - t0,
    maxSendLagMs: maxLag,
    generatorCpuMs: (cpu.user + cpu.system) / 1000,
    reactsSent: j,
    reactErrors: counts.reactErrors,
    reactionFrames: counts.reactions,
    closed: rooms.reduce((n, r) => n + r.members.filter((c) => c.closed).length, 0),
  }
}

async function closeAll(): Promise<void> {
  for (const c of clients) c.close()
  clients = []
  rooms = []
  await sleep(100)
}

async function handle(cmd: GenCommand): Promise<GenReply> {
  switch (cmd.op) {
    case 'init':
      target = cmd.target
      nodes = cmd.nodes
      secret = cmd.secret
      tokens.length = 0
      await closeAll()
      return { ok: true }
    case 'users':
      return { ok: true, ms: await ensureUsers(cmd.count) }
    case 'connect':
      return { ok: true, ...(await connect(cmd.count, cmd.concurrency)) }
    case 'join':
      return { ok: true, ...(await join(cmd.roomSize, cmd.prefix, cmd.samplesPerRoom, cmd.from)) }
    case 'run':
      return { ok: true, result: await run(cmd) }
    case 'close':
      await closeAll()
      return { ok: true }
    case 'exit':
      await closeAll()
      setImmediate(() => process.exit(0))
      return { ok: true }
  }
}

process.on('message', (m: { seq: number; cmd: GenCommand }) => {
  handle(m.cmd).then(
    (reply) => process.send!({ seq: m.seq, reply }),
    (err) => process.send!({ seq: m.seq, reply: { ok: false, error: String((err as Error)?.stack ?? err) } }),
  )
})
process.on('disconnect', () => process.exit(0))
