import type { RateLimiter } from '../presence/types'
import type { Connection } from './connection'

/**
 * Caps on open sockets per address and per user (close 4008). The address cap is this
 * node's count (a load balancer spreads one address over nodes anyway); the user cap is
 * checked against this node's count and, with Redis, a cluster-wide rate of new sockets.
 */
export class ConnLimits {
  private readonly perIp = new Map<string, number>()
  private readonly counted = new WeakSet<Connection>()

  constructor(
    private readonly limits: { connsPerUser: number; connsPerIp: number },
    private readonly limiter: RateLimiter,
    private readonly userCount: (userId: string) => number,
  ) {}

  acquireIp(conn: Connection): boolean {
    const n = this.perIp.get(conn.ip) ?? 0
    if (n >= this.limits.connsPerIp) return false
    this.perIp.set(conn.ip, n + 1)
    this.counted.add(conn)
    return true
  }

  async acquireUser(conn: Connection): Promise<boolean> {
    if (this.userCount(conn.user.id) >= this.limits.connsPerUser) return false
    // Across nodes: a user opening sockets faster than the cap per minute is refused too.
    return this.limiter.hit(`conn:${conn.user.id}`, this.limits.connsPerUser * 6, 60_000)
  }

  async release(conn: Connection): Promise<void> {
    if (!this.counted.has(conn)) return
    this.counted.delete(conn)
    const n = (this.perIp.get(conn.ip) ?? 1) - 1
    if (n <= 0) this.perIp.delete(conn.ip)
    else this.perIp.set(conn.ip, n)
  }
}
