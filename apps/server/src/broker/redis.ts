import { Redis, type RedisOptions } from 'ioredis'
import { ChannelSync } from './channel-sync'
import { cappedBackoff, closeClient, connectionOptions, watchLink, whenReady } from './redis-client'
import { parseRedisUrl, redactRedisUrl } from './redis-url'
import type { Broker, BrokerHandlers } from './types'

export interface RedisBrokerOptions {
  /** redis://… or rediss://… (see redis-url.ts). */
  url: string
  /** Names the connections in CLIENT LIST. */
  nodeId?: string
  /** Prepended to every channel on the wire, so deployments (and test runs) can share a server. */
  prefix?: string
  /** Publisher and subscribe commands fail after this instead of hanging on a dead link. */
  commandTimeoutMs?: number
  /** Cap of the reconnect backoff. */
  maxRetryDelayMs?: number
  /** start() gives up (and the server does not start) if Redis has not answered by then. */
  startTimeoutMs?: number
  /** Each connection is PINGed this often to notice a silently dead peer (default 2 s). */
  pingIntervalMs?: number
}

/**
 * Pub/sub over one Redis server: a publisher connection (auto-pipelined, so publishes of one
 * tick leave in one write) and a subscriber connection. Neither queues commands while the
 * link is down — a publish then rejects at once and the app carries on (it stored first).
 * After any loss the subscriber's channels are re-subscribed and `onReconnect` fires once,
 * because frames published meanwhile are gone.
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const
  private readonly prefix: string
  private pub: Redis | null = null
  private sub: Redis | null = null
  private handlers: BrokerHandlers | null = null
  /** Wire channel names the subscriber connection has now (cleared when it drops). */
  private readonly active = new Set<string>()
  private readonly sync = new ChannelSync((ch, want) => this.apply(ch, want))
  private started = false
  private closed = false
  private linkLost = false
  private resyncing = false
  /** Bumped on every drop, so a resync that raced with another drop does not count. */
  private epoch = 0
  private retryTimer: NodeJS.Timeout | null = null
  private readonly unwatch: Array<() => void> = []

  constructor(private readonly o: RedisBrokerOptions) {
    this.prefix = o.prefix ?? 'chat:'
    const t = parseRedisUrl(o.url, 'standalone')
    if (t.mode !== 'standalone') throw new Error('RedisBroker needs a redis:// URL; use RedisClusterBroker for a cluster')
  }

  async start(handlers: BrokerHandlers): Promise<void> {
    if (this.pub || this.closed) throw new Error('broker already started or closed')
    this.handlers = handlers
    const t = parseRedisUrl(this.o.url, 'standalone')
    const node = this.o.nodeId ?? 'node'
    const common: RedisOptions = {
      ...connectionOptions(t),
      host: t.nodes[0].host,
      port: t.nodes[0].port,
      lazyConnect: true,
      enableOfflineQueue: false,
      // In-flight commands fail on the first drop instead of waiting for a reconnect.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.o.commandTimeoutMs ?? 2000,
      retryStrategy: cappedBackoff(this.o.maxRetryDelayMs ?? 2000),
    }
    const pub = (this.pub = new Redis({ ...common, connectionName: `${node}:pub`, enableAutoPipelining: true }))
    const sub = (this.sub = new Redis({ ...common, connectionName: `${node}:sub`, autoResubscribe: false }))
    for (const c of [pub, sub]) {
      c.on('error', () => {}) // reported through healthy(); ioredis would print otherwise
      c.on('close', () => this.onDown(c))
      c.on('ready', () => void this.onUp())
    }
    sub.on('message', (channel: string, data: string) => this.onMessage(channel, data))
    pub.connect().catch(() => {})
    sub.connect().catch(() => {})
    const ms = this.o.startTimeoutMs ?? 10_000
    try {
      await Promise.all([whenReady(pub, ms, 'broker publisher'), whenReady(sub, ms, 'broker subscriber')])
    } catch (err) {
      await this.close()
      throw new Error(`${(err as Error).message} (REDIS_URL ${redactRedisUrl(this.o.url)})`)
    }
    for (const c of [pub, sub]) this.unwatch.push(watchLink(c, this.o.pingIntervalMs ?? 2000))
    this.started = true
    // Channels asked for before start() are applied now.
    if (this.sync.size > 0) await this.sync.resync()
  }

  publish(channel: string, data: string): Promise<void> {
    if (!this.pub || this.closed) return Promise.reject(new Error('broker is not running'))
    return this.pub.publish(this.prefix + channel, data).then(() => undefined)
  }

  subscribe(channel: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('broker is closed'))
    return this.sync.set(channel, true)
  }

  unsubscribe(channel: string): Promise<void> {
    if (this.closed) return Promise.resolve()
    return this.sync.set(channel, false)
  }

  healthy(): boolean {
    return (
      this.started && !this.closed && !this.linkLost && this.pub?.status === 'ready' && this.sub?.status === 'ready'
    )
  }

  async close(): Promise<void> {
    if (this.closed && !this.pub) return
    this.closed = true
    this.handlers = null
    if (this.retryTimer) clearTimeout(this.retryTimer)
    for (const stop of this.unwatch.splice(0)) stop()
    this.sync.clear()
    await this.sync.idle()
    const conns = [this.pub, this.sub].filter((c): c is Redis => c !== null)
    this.pub = this.sub = null
    this.active.clear()
    await Promise.all(conns.map(closeClient))
  }

  /** One reconcile step of ChannelSync: make the subscriber connection match `want`. */
  private async apply(channel: string, want: boolean): Promise<void> {
    const wire = this.prefix + channel
    const sub = this.sub
    if (!sub || this.closed || want === this.active.has(wire)) return
    if (sub.status !== 'ready') {
      // Nothing is subscribed on a dead link; a wanted channel is restored on reconnect.
      if (want) throw new Error('Redis link is down; the subscription is restored on reconnect')
      return
    }
    if (want) {
      await sub.subscribe(wire)
      this.active.add(wire)
    } else {
      await sub.unsubscribe(wire)
      this.active.delete(wire)
    }
  }

  private onMessage(wire: string, data: string): void {
    if (!wire.startsWith(this.prefix)) return
    const channel = wire.slice(this.prefix.length)
    // Filtering on the wanted set stops delivery the moment unsubscribe() is called.
    if (this.sync.has(channel)) this.handlers?.onMessage(channel, data)
  }

  private onDown(c: Redis): void {
    if (c === this.sub) this.active.clear()
    this.epoch++
    if (this.started && !this.closed) this.linkLost = true
  }

  /** Both links up after a loss: restore subscriptions, then tell the app once. */
  private async onUp(): Promise<void> {
    if (!this.linkLost || this.resyncing || this.closed) return
    if (this.pub?.status !== 'ready' || this.sub?.status !== 'ready') return
    this.resyncing = true
    const epoch = this.epoch
    let ok = false
    try {
      ok = await this.sync.resync()
    } finally {
      this.resyncing = false
    }
    if (this.closed) return
    if (ok && epoch === this.epoch && this.pub?.status === 'ready' && this.sub?.status === 'ready') {
      this.linkLost = false
      this.handlers?.onReconnect()
    } else if (this.pub?.status === 'ready' && this.sub?.status === 'ready') {
      // A subscribe failed on a live link (timeout): try again shortly.
      this.retryTimer = setTimeout(() => void this.onUp(), 500)
      this.retryTimer.unref()
    }
  }
}
