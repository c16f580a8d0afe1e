import { Backoff } from '../lib/deadline'
import { SliceClock, SlicedKeys } from '../lib/slices'
import { KeyScripts, type RedisKeysOptions } from '../redis/scripts'

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
// KEYS: zsets. ARGV: ttlMs, then per key its member count and members → renews (or restores,
// after a Redis restart) their leases. Many keys in one call: a node's renewals were a
// script per user every period, the bulk of an idle node's Redis traffic.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  for i = a + 1, a + n do redis.call('ZADD', KEYS[k], now + ttl, ARGV[i]) end
  redis.call('PEXPIRE', KEYS[k], ttl)
  a = a + n + 1
end
return 1
`

// KEYS[1] zset → members whose lease has not ended (Redis clock: node clocks may differ).
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`

const SCRIPTS = {
  chatConnAcquire: { numberOfKeys: 1, lua: ACQUIRE },
  chatConnRenewMany: { lua: RENEW },
  chatConnCount: { numberOfKeys: 1, lua: COUNT },
} as const

export interface RedisConnCounterOptions extends RedisKeysOptions {
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
  private readonly leaseMs: number
  private readonly timer: NodeJS.Timeout
  private readonly slices: SliceClock
  private readonly bySlice: SlicedKeys
  private readonly scripts: KeyScripts<keyof typeof SCRIPTS>
  /** After a failure, Redis is left alone for a second: sockets must not wait on it. */
  private readonly backoff: Backoff

  constructor(private readonly o: RedisConnCounterOptions) {
    super()
    this.leaseMs = o.leaseMs ?? 30_000
    this.scripts = new KeyScripts(o, 'conns', SCRIPTS)
    this.backoff = new Backoff({ timeoutMs: o.timeoutMs ?? 1000, retryMs: 1000, what: 'connection counter', onError: o.onError })
    // Renewed in slices, each key once per leaseMs/3: 5000 users' keys renewed in one go
    // were a 5000-script burst, a stall every 10 s.
    const tickMs = Math.ceil(this.leaseMs / 3 / RENEW_SLICES)
    this.slices = new SliceClock(RENEW_SLICES, tickMs)
    this.bySlice = new SlicedKeys(this.slices)
    this.timer = setInterval(() => void this.renew(), tickMs)
    this.timer.unref()
  }

  async acquire(key: string, member: string, limit: number): Promise<boolean> {
    try {
      const ok = await this.backoff.run(() => this.scripts.run('chatConnAcquire', this.scripts.prefix + key, member, limit, this.leaseMs))
      if (ok === 1) this.take(key, member, Number.MAX_SAFE_INTEGER)
      return ok === 1
    } catch {
      return this.take(key, member, limit)
    }
  }

  async release(key: string, member: string): Promise<void> {
    this.drop(key, member)
    // Tried even while Redis is marked down; if it fails, the member's lease is no longer
    // renewed and it stops counting within leaseMs.
    await this.backoff.run(() => this.o.redis.zrem(this.scripts.prefix + key, member), undefined, true).catch(() => {})
  }

  /** While Redis cannot answer: this node's count (a lower bound). */
  async count(key: string): Promise<number> {
    const here = await super.count(key)
    try {
      return Math.max((await this.backoff.run(() => this.scripts.run('chatConnCount', this.scripts.prefix + key))) as number, here)
    } catch {
      return here
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await Promise.allSettled([...this.held].flatMap(([key, set]) => [...set].map((m) => this.release(key, m))))
    await super.close()
  }

  protected take(key: string, member: string, limit: number): boolean {
    const taken = super.take(key, member, limit)
    if (taken) this.bySlice.add(key)
    return taken
  }

  protected drop(key: string, member: string): void {
    super.drop(key, member)
    if (!this.held.has(key)) this.bySlice.delete(key)
  }

  private async renew(): Promise<void> {
    const due = this.slices.due()
    const batches = new RenewBatches(this.leaseMs, isCluster(this.o.redis))
    for (const key of this.bySlice.in(due)) {
      const set = this.held.get(key)
      if (set) batches.add(this.scripts.prefix + key, set)
    }
    await Promise.all(
      batches.calls().map((args) => this.backoff.run(() => this.scripts.run('chatConnRenewMany', ...args), undefined, true)),
    ).catch(() => {})
  }
}

/** Members per renewal call: big enough to be one call per tick, small enough not to stall Redis. */
const RENEW_MEMBERS_PER_CALL = 1000

/**
 * A tick's renewals as few script calls: keys grouped up to ~1000 members a call (a key with
 * more is split: renewing is idempotent). In cluster mode each key is its own call, since a
 * script's keys must share a hash slot.
 */
export class RenewBatches {
  private readonly out: (string | number)[][] = []
  private keys: string[] = []
  private args: (string | number)[] = []
  private members = 0

  constructor(
    private readonly leaseMs: number,
    private readonly keyPerCall: boolean,
    private readonly perCall = RENEW_MEMBERS_PER_CALL,
  ) {}

  add(key: string, members: Iterable<string>): void {
    let part: string[] = []
    for (const m of members) {
      part.push(m)
      if (this.members + part.length >= this.perCall) {
        this.push(key, part)
        this.flush()
        part = []
      }
    }
    if (part.length > 0) this.push(key, part)
    if (this.keyPerCall) this.flush()
  }

  /** Each call's arguments: key count, keys, lease, then per key its member count and members. */
  calls(): (string | number)[][] {
    this.flush()
    return this.out
  }

  private push(key: string, part: string[]): void {
    this.keys.push(key)
    this.args.push(part.length, ...part)
    this.members += part.length
  }

  private flush(): void {
    if (this.keys.length === 0) return
    this.out.push([this.keys.length, ...this.keys, this.leaseMs, ...this.args])
    this.keys = []
    this.args = []
    this.members = 0
  }
}

function isCluster(redis: RedisKeysOptions['redis']): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true
}

const RENEW_SLICES = 10
