import fp from 'fastify-plugin'
import { settleWithin } from '../../lib/deadline'

/** One node's load, as the operator's overview shows it. */
export interface NodeStat {
  node: string
  connections: number
  /** Messages this node stored in the last minute. */
  messagesPerMinute: number
  /** When the node last reported (its clock). */
  ts: number
}

export interface ClusterStats {
  /** Every live node: this one's figures now, the others' from their last heartbeat. */
  nodes(): Promise<NodeStat[]>
}

declare module 'fastify' {
  interface FastifyInstance {
    clusterStats: ClusterStats
  }
}

const HEARTBEAT_MS = 5_000
/** A node that missed three heartbeats is gone (stopped, killed, cut off). */
const STALE_MS = 3 * HEARTBEAT_MS
const KEY = 'chat:nodes'
const CONN_FOLLOW_MS = 50

/**
 * Nodes and connections across the cluster for /api/admin/stats: with Redis every node
 * writes its figures into one hash every few seconds (and removes them when it stops);
 * a node that dies without saying goodbye drops out once its entry is stale. Embedded
 * mode has one node: its own figures.
 */
export default fp(
  async (app) => {
    const { nodeId } = app.config
    const redis = app.redis
    // Samples of the stored-messages counter, one per heartbeat, about a minute's worth.
    const samples: { t: number; v: number }[] = []
    const storedTotal = async () => (await app.metrics.stored.get()).values[0]?.value ?? 0

    async function local(): Promise<NodeStat> {
      const now = Date.now()
      const v = await storedTotal()
      const base = samples.find((s) => now - s.t <= 61_000) ?? { t: now, v }
      return { node: nodeId, connections: app.hub.conns.size, messagesPerMinute: Math.max(0, v - base.v), ts: now }
    }

    async function beat(): Promise<void> {
      const now = Date.now()
      samples.push({ t: now, v: await storedTotal() })
      while (samples.length && now - samples[0].t > 65_000) samples.shift()
      if (!redis) return
      await redis.hset(KEY, nodeId, JSON.stringify(await local())).catch((err: Error) => {
        app.metrics.redisErrors.inc()
        app.log.debug({ err: String(err) }, 'node heartbeat failed')
      })
    }

    await beat()
    const timer = setInterval(() => void beat(), HEARTBEAT_MS)
    timer.unref()
    // A change of this node's connection count reaches the hash within ~50 ms, not at the
    // next heartbeat: an operator (or a check) who opens sockets on two nodes and asks
    // another node at once sees them all. A comparison per tick; a write only on change.
    let reported = app.hub.conns.size
    let writing: Promise<unknown> | null = null
    const follow = redis
      ? setInterval(() => {
          const n = app.hub.conns.size
          if (writing || n === reported) return
          reported = n
          writing = local()
            .then((s) => redis.hset(KEY, nodeId, JSON.stringify(s)))
            .catch(() => app.metrics.redisErrors.inc())
            .finally(() => (writing = null))
        }, CONN_FOLLOW_MS)
      : null
    follow?.unref()
    app.addHook('preClose', async () => {
      clearInterval(timer)
      if (follow) clearInterval(follow)
      // A write in flight must not land after the goodbye below and bring the node back.
      // (Bounded: with Redis away the write may hang, and shutdown must not.)
      if (writing) await settleWithin(writing, 1_000)
      await redis?.hdel(KEY, nodeId).catch(() => {})
    })

    app.decorate('clusterStats', {
      async nodes() {
        const mine = await local()
        if (!redis) return [mine]
        const all = await redis.hgetall(KEY)
        const now = Date.now()
        const out: NodeStat[] = [mine]
        const stale: string[] = []
        for (const [node, raw] of Object.entries(all)) {
          if (node === nodeId) continue
          let s: NodeStat | null = null
          try {
            s = JSON.parse(raw) as NodeStat
          } catch {}
          if (s && now - s.ts <= STALE_MS) out.push(s)
          else if (!s || now - s.ts > 10 * STALE_MS) stale.push(node)
        }
        // Entries of nodes long gone are tidied by whoever looks next.
        if (stale.length) await redis.hdel(KEY, ...stale).catch(() => {})
        return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      },
    } satisfies ClusterStats)
  },
  { name: 'cluster-stats', dependencies: ['config', 'redis', 'metrics', 'hub'] },
)
