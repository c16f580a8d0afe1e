/**
 * Publish throughput through RedisBroker (one local redis-server) vs RedisClusterBroker
 * (sharded pub/sub on a local 3-master cluster), ~100-byte payloads over 100 room channels.
 * Starts its own Redis processes (test/helpers/redis-server.ts) and stops them at the end.
 *
 *   cd apps/server && npx tsx bench/redis-publish.ts [messages=200000] [inFlight=1000] [rounds=3]
 *
 * Prints the median of `rounds` runs (the Node process is the bottleneck on small boxes,
 * and the figures are noisy when other work shares the cores).
 * "publish" counts acknowledged publishes per second with no subscriber; "fan-out" has a
 * second broker (another node) subscribed to every channel and counts until it received all.
 */
import { RedisBroker } from '../src/broker/redis'
import { RedisClusterBroker } from '../src/broker/redis-cluster'
import type { Broker } from '../src/broker/types'
import { startRedis, startRedisCluster } from '../test/helpers/redis-server'

const total = Number(process.argv[2] ?? 200_000)
const inFlight = Number(process.argv[3] ?? 1000)
const rounds = Number(process.argv[4] ?? 3)
const channels = Array.from({ length: 100 }, (_, i) => `room:bench-${i}`)
const payload = (i: number) =>
  JSON.stringify({ t: 'message', room: channels[i % 100], seq: i, from: 'u_abcdef12', body: { text: 'hello there, bench' } })

async function run(make: () => Broker, fanOut: boolean): Promise<number> {
  const pub = make()
  const sub = make()
  let received = 0
  let done: () => void = () => {}
  const all = new Promise<void>((r) => (done = r))
  await pub.start({ onMessage: () => {}, onReconnect: () => {} })
  await sub.start({ onMessage: () => ++received === total && done(), onReconnect: () => {} })
  if (fanOut) await Promise.all(channels.map((c) => sub.subscribe(c)))
  // Warm-up so connections and scripts are hot.
  await Promise.all(Array.from({ length: 2000 }, (_, i) => pub.publish(`warm:${i % 7}`, payload(i))))
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < total; i += inFlight) {
    const batch: Array<Promise<void>> = []
    for (let j = i; j < Math.min(total, i + inFlight); j++) batch.push(pub.publish(channels[j % 100], payload(j)))
    await Promise.all(batch)
  }
  if (fanOut) await all
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  await Promise.all([pub.close(), sub.close()])
  return total / secs
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`
console.log(
  `${total} publishes × ${rounds} rounds (median), ${inFlight} in flight, payload ${Buffer.byteLength(payload(123456))} bytes, node ${process.version}`,
)
const single = await startRedis()
const cluster = await startRedisCluster()
try {
  const standalone = () => new RedisBroker({ url: single.url, prefix: 'bench:' })
  const sharded = () => new RedisClusterBroker({ url: cluster.url, prefix: 'bench:' })
  for (const [name, make] of [
    ['standalone RedisBroker', standalone],
    ['3-master RedisClusterBroker (SPUBLISH)', sharded],
  ] as const) {
    const p: number[] = []
    const f: number[] = []
    for (let r = 0; r < rounds; r++) {
      p.push(await run(make, false))
      f.push(await run(make, true))
    }
    console.log(`${name.padEnd(40)} publish ${fmt(median(p)).padStart(12)}   fan-out to 1 node ${fmt(median(f)).padStart(12)}`)
  }
} finally {
  await Promise.all([single.stop(), cluster.stop()])
}
