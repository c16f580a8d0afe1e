import { redactRedisUrl } from '../redis/url'
import { ChannelSync } from './channel-sync'
import type { Broker, BrokerHandlers } from './types'

export interface RedisBrokerOptions {
  /** redis://… or rediss://… (RedisBroker), redis-cluster://seed[,seed…] (RedisClusterBroker); see redis/url.ts. */
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
 * The link lifecycle both Redis brokers share (as socket.io's ClusterAdapter does for its
 * transports): wanted channels in a ChannelSync, wire prefixes, and "after any loss,
 * re-subscribe everything, then fire `onReconnect` once". A transport opens and closes its
 * connections, publishes, applies one subscription change, and says whether its links are up;
 * it calls `linkDown()` when a connection drops and `linkUp()` when one is ready.
 */
export abstract class RedisLinkBroker implements Broker {
  abstract readonly kind: Broker['kind']
  protected readonly prefix: string
  protected readonly sync = new ChannelSync((ch, want) => this.apply(ch, want))
  protected closed = false
  protected started = false
  private opened = false
  private handlers: BrokerHandlers | null = null
  private linkLost = false
  private resyncing = false
  /** Bumped on every drop, so a resync that raced with another drop does not count. */
  private epoch = 0
  private retryTimer: NodeJS.Timeout | null = null

  constructor(protected readonly o: RedisBrokerOptions) {
    this.prefix = o.prefix ?? 'chat:'
  }

  /** Opens the connections and waits until they are ready (rejects after startTimeoutMs). */
  protected abstract open(): Promise<void>
  protected abstract send(wire: string, data: string): Promise<unknown>
  /** One reconcile step of ChannelSync: make the subscriber connection(s) match `want`. */
  protected abstract apply(channel: string, want: boolean): Promise<void>
  protected abstract linksUp(): boolean
  protected abstract closeLinks(): Promise<void>

  async start(handlers: BrokerHandlers): Promise<void> {
    if (this.opened || this.closed) throw new Error('broker already started or closed')
    this.opened = true
    this.handlers = handlers
    try {
      await this.open()
    } catch (err) {
      await this.close()
      throw new Error(`${(err as Error).message} (REDIS_URL ${redactRedisUrl(this.o.url)})`)
    }
    this.started = true
    // Channels asked for before start() are applied now.
    if (this.sync.size > 0) await this.sync.resync()
  }

  publish(channel: string, data: string): Promise<void> {
    if (!this.opened || this.closed) return Promise.reject(new Error('broker is not running'))
    return this.send(this.prefix + channel, data).then(() => undefined)
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
    return this.started && !this.closed && !this.linkLost && this.linksUp()
  }

  async close(): Promise<void> {
    if (this.closed && !this.opened) return
    this.closed = true
    this.opened = false
    this.handlers = null
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.sync.clear()
    await this.sync.idle()
    await this.closeLinks()
  }

  /** A publication arrived on a subscriber connection. */
  protected deliver(wire: string, data: string): void {
    if (!wire.startsWith(this.prefix)) return
    const channel = wire.slice(this.prefix.length)
    // Filtering on the wanted set stops delivery the moment unsubscribe() is called.
    if (this.sync.has(channel)) this.handlers?.onMessage(channel, data)
  }

  protected linkDown(): void {
    this.epoch++
    if (this.started && !this.closed) this.linkLost = true
  }

  /** Every link up after a loss: restore subscriptions, then tell the app once. */
  protected async linkUp(): Promise<void> {
    if (!this.linkLost || this.resyncing || this.closed || !this.linksUp()) return
    this.resyncing = true
    const epoch = this.epoch
    let ok = false
    try {
      ok = await this.sync.resync()
    } finally {
      this.resyncing = false
    }
    if (this.closed) return
    if (ok && epoch === this.epoch && this.linksUp()) {
      this.linkLost = false
      this.handlers?.onReconnect()
    } else if (this.linksUp()) {
      // A subscribe failed on a live link (timeout): try again shortly.
      this.retryTimer = setTimeout(() => void this.linkUp(), 500)
      this.retryTimer.unref()
    }
  }
}
