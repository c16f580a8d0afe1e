import type { Cluster, Redis } from 'ioredis'
import type { Connection } from '../realtime/connection'
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
  }

  private entry(conn: Connection): { ip?: string; user?: string } {
    let e = this.held.get(conn)
    if (!e) this.held.set(conn, (e = {}))
    return e
  }
}

/** Counts in Redis when the app has a Redis client (REDIS_URL), else in this process. */
export function createConnLimits(
  limits: { connsPerUser: number; connsPerIp: number },
  redis: Redis | Cluster | null,
  onError: (err: unknown) => void = () => {},
): ConnLimits {
  return new ConnLimits(limits, redis ? new RedisConnCounter({ redis, onError }) : new LocalConnCounter())
}
