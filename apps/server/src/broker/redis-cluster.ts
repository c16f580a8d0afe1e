import calculateSlot from 'cluster-key-slot'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { cappedBackoff, closeClient, connectionOptions, watchLink, whenReady } from '../redis/client'
import { parseRedisUrl, type RedisTarget } from '../redis/url'
import { RedisLinkBroker, type RedisBrokerOptions } from './redis-link'

/** Same options as RedisBroker; `url` is redis-cluster://seed[,seed…] (or redis:// seeds). */
export type RedisClusterBrokerOptions = RedisBrokerOptions

/**
 * Sharded pub/sub on Redis Cluster: one shard channel per room (SPUBLISH/SSUBSCRIBE), so a
 * frame only travels inside the shard that owns the channel's slot instead of over the whole
 * cluster bus. Publishes go through an auto-pipelined ioredis Cluster (slot routing, MOVED).
 *
 * ioredis 5.11 can route SSUBSCRIBE itself (`shardedSubscribers: true`), but it gives no
 * view of each shard link's health and re-subscribes on its own schedule, so this class keeps
 * one plain subscriber connection per master, routes each channel by `calculateSlot` and the
 * client's slot map, and follows topology changes on every slot refresh. Like RedisBroker:
 * nothing is queued on a dead link, and after any loss or move the channels are subscribed
 * again and `onReconnect` fires once (the lifecycle is RedisLinkBroker's).
 */
export class RedisClusterBroker extends RedisLinkBroker {
  readonly kind = 'redis-cluster' as const
  private pub: Cluster | null = null
  /** One subscriber connection per master, keyed "host:port" like ioredis' slot map. */
  private readonly subs = new Map<string, Redis>()
  private readonly unwatch = new Map<Redis, () => void>()
  /** Wire channel → the master whose subscriber connection has it now. */
  private readonly where = new Map<string, string>()

  constructor(o: RedisClusterBrokerOptions) {
    super(o)
    parseRedisUrl(o.url, 'cluster')
  }

  protected async open(): Promise<void> {
    const t = parseRedisUrl(this.o.url, 'cluster')
    const pub = (this.pub = new Cluster(t.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      // The ready check's CLUSTER INFO would be refused by the rule above while the node
      // connections are still connecting; start() waits for every master itself.
      enableReadyCheck: false,
      enableAutoPipelining: true,
      // Publishing is at-most-once: fail fast instead of retrying through a failover.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 0,
      clusterRetryStrategy: cappedBackoff(this.o.maxRetryDelayMs ?? 2000),
      slotsRefreshInterval: 5000,
      slotsRefreshTimeout: 2000,
      redisOptions: {
        ...this.connOptions(t),
        connectionName: `${this.o.nodeId ?? 'node'}:spub`,
      },
    }))
    pub.on('error', () => {})
    pub.on('node error', () => {})
    pub.on('refresh', () => this.onTopology())
    pub.on('close', () => this.linkDown())
    pub.on('ready', () => void this.linkUp())
    pub.connect().catch(() => {})
    const ms = this.o.startTimeoutMs ?? 10_000
    await whenReady(pub, ms, 'broker cluster publisher')
    this.onTopology()
    await Promise.all([
      ...[...this.subs.values()].map((s) => whenReady(s, ms, 'broker shard subscriber')),
      ...pub.nodes('master').map((n) => whenReady(n, ms, 'broker shard publisher')),
    ])
  }

  protected send(wire: string, data: string): Promise<unknown> {
    return this.pub ? this.pub.spublish(wire, data) : Promise.reject(new Error('broker is not running'))
  }

  protected linksUp(): boolean {
    if (this.pub?.status !== 'ready' || this.subs.size === 0) return false
    for (const s of this.subs.values()) if (s.status !== 'ready') return false
    return true
  }

  /** The master ("host:port") that owns a channel's slot now — for tests and diagnostics. */
  shardOf(channel: string): string | undefined {
    return this.pub?.slots[calculateSlot(this.prefix + channel)]?.[0]
  }

  protected async closeLinks(): Promise<void> {
    for (const stop of this.unwatch.values()) stop()
    this.unwatch.clear()
    const subs = [...this.subs.values()]
    const pub = this.pub
    this.subs.clear()
    this.where.clear()
    this.pub = null
    await Promise.all([...subs.map(closeClient), pub ? closeClient(pub) : Promise.resolve()])
  }

  private connOptions(t: RedisTarget): RedisOptions {
    const { db: _db, ...conn } = connectionOptions(t)
    return {
      ...conn,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.o.commandTimeoutMs ?? 2000,
    }
  }

  protected async apply(channel: string, want: boolean): Promise<void> {
    const wire = this.prefix + channel
    const cur = this.where.get(wire)
    if (this.closed) return
    if (!want) {
      if (cur === undefined) return
      this.where.delete(wire)
      const c = this.subs.get(cur)
      if (c?.status === 'ready') await c.sunsubscribe(wire)
      return
    }
    const owner = this.shardOf(channel)
    // `where` entries vanish when their connection drops, so an entry means a live subscription.
    if (cur !== undefined && cur === owner) return
    if (cur !== undefined) {
      this.where.delete(wire)
      const old = this.subs.get(cur)
      if (old?.status === 'ready') await old.sunsubscribe(wire).catch(() => {})
    }
    const c = owner === undefined ? undefined : this.subs.get(owner)
    if (c?.status !== 'ready' || owner === undefined) {
      throw new Error(`shard ${owner ?? '(unknown)'} is unreachable; the subscription is restored when it is back`)
    }
    await c.ssubscribe(wire)
    this.where.set(wire, owner)
  }

  /** Keeps one subscriber per master and moves channels whose slot changed hands. */
  private onTopology(): void {
    const pub = this.pub
    if (!pub || this.closed) return
    const masters = new Set<string>()
    for (const owners of pub.slots) if (owners?.[0]) masters.add(owners[0])
    if (masters.size === 0) return
    let moved = false
    for (const key of masters) if (!this.subs.has(key)) this.addSubscriber(key)
    for (const [key, c] of this.subs) {
      if (masters.has(key)) continue
      this.subs.delete(key)
      this.unwatch.get(c)?.()
      this.unwatch.delete(c)
      void closeClient(c)
      moved = true
    }
    for (const [wire, key] of this.where) {
      if (pub.slots[calculateSlot(wire)]?.[0] !== key) {
        this.where.delete(wire)
        moved = true
      }
    }
    // Warm the publisher's lazy node connections so the first burst is not refused.
    for (const n of pub.nodes('master')) if (n.status === 'wait') n.connect().catch(() => {})
    if (moved && this.started) {
      this.linkDown()
      void this.linkUp()
    }
  }

  private addSubscriber(key: string): void {
    const t = parseRedisUrl(this.o.url, 'cluster')
    const i = key.lastIndexOf(':')
    const c = new Redis({
      ...this.connOptions(t),
      host: key.slice(0, i),
      port: Number(key.slice(i + 1)),
      connectionName: `${this.o.nodeId ?? 'node'}:ssub`,
      lazyConnect: true,
      autoResubscribe: false,
      retryStrategy: cappedBackoff(this.o.maxRetryDelayMs ?? 2000),
    })
    this.subs.set(key, c)
    c.on('error', () => {})
    c.on('smessage', (wire: string, data: string) => this.deliver(wire, data))
    // A MOVED reply to SSUBSCRIBE: the slot map is stale.
    c.on('moved', () => this.pub?.refreshSlotsCache())
    c.on('close', () => {
      if (this.subs.get(key) !== c) return
      for (const [wire, k] of this.where) if (k === key) this.where.delete(wire)
      this.linkDown()
      // The master may have failed over; learn the new owner as soon as the cluster knows.
      this.pub?.refreshSlotsCache()
    })
    c.on('ready', () => void this.linkUp())
    c.connect().catch(() => {})
    this.unwatch.set(c, watchLink(c, this.o.pingIntervalMs ?? 2000))
  }
}
