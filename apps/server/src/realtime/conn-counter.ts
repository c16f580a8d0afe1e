import type { Cluster, Redis } from 'ioredis'

/**
 * Open sockets per key (a user, an address) across every node, for caps. Each socket is a
 * member with a lease its node renews; a node that dies (kill -9) stops renewing and its
 * sockets stop counting when the lease ends, so a crash never locks a user out for good.
 */
export interface ConnCounter {
  /** Counts `member` under `key` unless `limit` others already are; false = refused. */
  acquire(key: string, member: string, limit: number): Promise<boolean>
  release(key: string, member: string): Promise<void>
  /** How many members `key` has now, on every node (offline notices ask this). */
  count(key: string): Promise<number>
  close(): Promise<void>
}

/** One process: the counts are this node's. */
export class LocalConnCounter implements ConnCounter {
  protected readonly held = new Map<string, Set<string>>()

  async acquire(key: string, member: string, limit: number): Promise<boolean> {
    return this.take(key, member, limit)
  }

  async release(key: string, member: string): Promise<void> {
    this.drop(key, member)
  }

  async count(key: string): Promise<number> {
    return this.held.get(key)?.size ?? 0
  }

  async close(): Promise<void> {
    this.held.clear()
  }

  protected take(key: string, member: string, limit: number): boolean {
    let set = this.held.get(key)
    if (set?.has(member)) return true
    if ((set?.size ?? 0) >= limit) return false
    if (!set) this.held.set(key, (set = new Set()))
    set.add(member)
    return true
  }

  protected drop(key: string, member: string): void {
    const set = this.held.get(key)
    if (!set?.delete(member)) return
    if (set.size === 0) this.held.delete(key)
  }
}

// KEYS[1] zset member → lease end (Redis clock). ARGV: member, limit, ttlMs → 1 taken, 0 refused.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`
// KEYS[1] zset. ARGV: ttlMs, members… → renews (or restores, after a Redis restart) their leases.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`

// KEYS[1] zset → members whose lease has not ended (Redis clock: node clocks may differ).
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`

type Scripted = {
  chatConnAcquire(...a: (string | number)[]): Promise<number>
  chatConnRenew(...a: (string | number)[]): Promise<number>
  chatConnCount(key: string): Promise<number>
}

export interface RedisConnCounterOptions {
  redis: Redis | Cluster
  /** Key prefix, default "chat:". */
  prefix?: string
  /** How long a silent node's sockets still count (default 30 s); renewed every third. */
  leaseMs?: number
  /** A Redis call slower than this counts as failed (default 1 s). */
  timeoutMs?: number
  onError?(err: unknown): void
}

/**
 * Counts in Redis (one sorted set per key: one slot, so Redis Cluster works too), mirrored
 * locally for lease renewal. While Redis cannot answer the cap holds per node (fail open
 * for the rest: a Redis outage must not lock every user out), and the renewal restores the
 * counts once Redis is back — even into a Redis that restarted empty.
 */
export class RedisConnCounter extends LocalConnCounter {
  private readonly prefix: string
  private readonly leaseMs: number
  private readonly timer: NodeJS.Timeout
  /** After a failure, Redis is left alone for a second: sockets must not wait on it. */
  private downUntil = 0

  constructor(private readonly o: RedisConnCounterOptions) {
    super()
    this.prefix = `${o.prefix ?? 'chat:'}conns:`
    this.leaseMs = o.leaseMs ?? 30_000
    const r = o.redis as unknown as Partial<Scripted>
    if (!r.chatConnAcquire) o.redis.defineCommand('chatConnAcquire', { numberOfKeys: 1, lua: ACQUIRE })
    if (!r.chatConnRenew) o.redis.defineCommand('chatConnRenew', { numberOfKeys: 1, lua: RENEW })
    if (!r.chatConnCount) o.redis.defineCommand('chatConnCount', { numberOfKeys: 1, lua: COUNT })
    this.timer = setInterval(() => void this.renew(), Math.ceil(this.leaseMs / 3))
    this.timer.unref()
  }

  async acquire(key: string, member: string, limit: number): Promise<boolean> {
    if (Date.now() < this.downUntil) return this.take(key, member, limit)
    try {
      const ok = await this.timed((this.o.redis as unknown as Scripted).chatConnAcquire(this.prefix + key, member, limit, this.leaseMs))
      if (ok === 1) this.take(key, member, Number.MAX_SAFE_INTEGER)
      return ok === 1
    } catch (err) {
      this.failed(err)
      return this.take(key, member, limit)
    }
  }

  async release(key: string, member: string): Promise<void> {
    this.drop(key, member)
    try {
      await this.timed(this.o.redis.zrem(this.prefix + key, member))
    } catch (err) {
      // Its lease is no longer renewed: it stops counting within leaseMs.
      this.failed(err)
    }
  }

  /** While Redis cannot answer: this node's count (a lower bound). */
  async count(key: string): Promise<number> {
    if (Date.now() < this.downUntil) return super.count(key)
    try {
      return Math.max(await this.timed((this.o.redis as unknown as Scripted).chatConnCount(this.prefix + key)), await super.count(key))
    } catch (err) {
      this.failed(err)
      return super.count(key)
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await Promise.allSettled([...this.held].flatMap(([key, set]) => [...set].map((m) => this.release(key, m))))
    await super.close()
  }

  private async renew(): Promise<void> {
    try {
      await Promise.all(
        [...this.held].map(([key, set]) => this.timed((this.o.redis as unknown as Scripted).chatConnRenew(this.prefix + key, this.leaseMs, ...set))),
      )
    } catch (err) {
      this.failed(err)
    }
  }

  private failed(err: unknown): void {
    this.downUntil = Date.now() + 1000
    this.o.onError?.(err)
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('connection counter: Redis did not answer in time')), this.o.timeoutMs ?? 1000)
    })
    return Promise.race([p, late]).finally(() => clearTimeout(timer))
  }
}
