import { Redis, type RedisOptions } from 'ioredis'
import { cappedBackoff, closeClient, connectionOptions, watchLink, whenReady } from '../redis/client'
import { parseRedisUrl } from '../redis/url'
import { RedisLinkBroker, type RedisBrokerOptions } from './redis-link'

export type { RedisBrokerOptions } from './redis-link'

/**
 * Pub/sub over one Redis server: a publisher connection (auto-pipelined, so publishes of one
 * tick leave in one write) and a subscriber connection. Neither queues commands while the
 * link is down — a publish then rejects at once and the app carries on (it stored first).
 * After any loss the subscriber's channels are re-subscribed and `onReconnect` fires once,
 * because frames published meanwhile are gone.
 */
export class RedisBroker extends RedisLinkBroker {
  readonly kind = 'redis' as const
  private pub: Redis | null = null
  private sub: Redis | null = null
  /** Wire channel names the subscriber connection has now (cleared when it drops). */
  private readonly active = new Set<string>()
  private readonly unwatch: Array<() => void> = []

  constructor(o: RedisBrokerOptions) {
    super(o)
    const t = parseRedisUrl(o.url, 'standalone')
    if (t.mode !== 'standalone') throw new Error('RedisBroker needs a redis:// URL; use RedisClusterBroker for a cluster')
  }

  protected async open(): Promise<void> {
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
      c.on('close', () => {
        if (c === this.sub) this.active.clear()
        this.linkDown()
      })
      c.on('ready', () => void this.linkUp())
    }
    sub.on('message', (channel: string, data: string) => this.deliver(channel, data))
    pub.connect().catch(() => {})
    sub.connect().catch(() => {})
    const ms = this.o.startTimeoutMs ?? 10_000
    await Promise.all([whenReady(pub, ms, 'broker publisher'), whenReady(sub, ms, 'broker subscriber')])
    for (const c of [pub, sub]) this.unwatch.push(watchLink(c, this.o.pingIntervalMs ?? 2000))
  }

  protected send(wire: string, data: string): Promise<unknown> {
    return this.pub ? this.pub.publish(wire, data) : Promise.reject(new Error('broker is not running'))
  }

  protected linksUp(): boolean {
    return this.pub?.status === 'ready' && this.sub?.status === 'ready'
  }

  protected async closeLinks(): Promise<void> {
    for (const stop of this.unwatch.splice(0)) stop()
    const conns = [this.pub, this.sub].filter((c): c is Redis => c !== null)
    this.pub = this.sub = null
    this.active.clear()
    await Promise.all(conns.map(closeClient))
  }

  protected async apply(channel: string, want: boolean): Promise<void> {
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
}
