import type { Config } from '../config'
import { createCommandClient, parseRedisUrl } from '../broker/redis-url'
import type { Connection } from './connection'
import { LocalConnCounter, RedisConnCounter, type ConnCounter } from './conn-counter'

/**
 * Caps on open sockets per user and per address (close 4008), across every node when Redis
 * is configured: a user's sixth tab is refused whichever node it lands on. Without Redis the
 * counts are this process' (which is then the whole deployment).
 */
export class ConnLimits {
  private readonly held = new WeakMap<Connection, { ip?: string; user?: string }>()

  constructor(
    private readonly limits: { connsPerUser: number; connsPerIp: number },
    private readonly counter: ConnCounter,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async acquireIp(conn: Connection): Promise<boolean> {
    if (!(await this.counter.acquire(`ip:${conn.ip}`, conn.id, this.limits.connsPerIp))) return false
    this.entry(conn).ip = conn.ip
    // Closed while we asked: the close handler may have run already.
    if (conn.closed) await this.release(conn)
    return true
  }

  async acquireUser(conn: Connection): Promise<boolean> {
    const user = conn.user.id
    if (!(await this.counter.acquire(`u:${user}`, conn.id, this.limits.connsPerUser))) return false
    this.entry(conn).user = user
    if (conn.closed) await this.release(conn)
    return true
  }

  /** Open, signed-in sockets of the user on every node (v1.1 §E: "offline" is 0). */
  userConnections(userId: string): Promise<number> {
    return this.counter.count(`u:${userId}`)
  }

  async release(conn: Connection): Promise<void> {
    const e = this.held.get(conn)
    if (!e) return
    this.held.delete(conn)
    await Promise.all([
      e.ip !== undefined ? this.counter.release(`ip:${e.ip}`, conn.id) : undefined,
      e.user !== undefined ? this.counter.release(`u:${e.user}`, conn.id) : undefined,
    ])
  }

  async close(): Promise<void> {
    await this.counter.close()
    await this.onClose()
  }

  private entry(conn: Connection): { ip?: string; user?: string } {
    let e = this.held.get(conn)
    if (!e) this.held.set(conn, (e = {}))
    return e
  }
}

/** Counts in Redis with REDIS_URL (its own command connection), else in this process. */
export function createConnLimits(config: Config, onError: (err: unknown) => void = () => {}): ConnLimits {
  const { limits, redisUrl, redisMode, nodeId } = config
  if (!redisUrl) return new ConnLimits(limits, new LocalConnCounter())
  const redis = createCommandClient(parseRedisUrl(redisUrl, redisMode), { name: `${nodeId}:conns` })
  redis.on('error', () => {}) // failures surface through the calls (and onError)
  const counter = new RedisConnCounter({ redis, onError })
  return new ConnLimits(limits, counter, async () => {
    if (redis.status === 'ready') await Promise.race([redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())])
    redis.disconnect()
  })
}
