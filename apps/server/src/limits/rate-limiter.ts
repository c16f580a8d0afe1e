import { withTimeout } from '../lib/deadline'
import { closeClient } from '../redis/client'
import { KeyScripts, type RedisKeysOptions } from '../redis/scripts'
import { Leases } from './leases'
import type { RateLimiter } from './types'

/** KEYS: counter. ARGV: windowMs → hits in the current window (this one included). */
const RATE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`

/** KEYS: counter → {hits, ms left in the window} (one round trip, one slot). */
const RATE_PEEK = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return { n, redis.call('PTTL', KEYS[1]) }
`

/** KEYS: counter. ARGV: windowMs, n → {hits after taking n, ms left in the window}. */
const RATE_TAKE = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if n == tonumber(ARGV[2]) or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { n, ttl }
`

const SCRIPTS = {
  chatRateHit: { numberOfKeys: 1, lua: RATE },
  chatRateTake: { numberOfKeys: 1, lua: RATE_TAKE },
  chatRatePeek: { numberOfKeys: 1, lua: RATE_PEEK },
} as const

export interface RedisRateLimiterOptions extends RedisKeysOptions {
  /** Close `redis` on close() (the app passes its shared client and keeps it). */
  ownsClient?: boolean
  /** A hit gives up after this (default 3 s); the caller decides whether to fail open. */
  timeoutMs?: number
}

/**
 * Fixed-window counters shared by all nodes, like MemoryRateLimiter: the window starts at a
 * key's first hit and the key expires with it, so Redis keeps nothing for idle keys. INCR and
 * PEXPIRE run in one script, so a crash between them cannot leave a counter without expiry.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis' as const
  private readonly keys: KeyScripts<keyof typeof SCRIPTS>
  private readonly leases = new Leases()

  constructor(private readonly o: RedisRateLimiterOptions) {
    this.keys = new KeyScripts(o, 'rl', SCRIPTS)
  }

  async hit(key: string, limit: number, windowMs: number, lease = false): Promise<boolean> {
    if (limit <= 0) return false
    if (lease) return this.leased(key, limit, windowMs)
    const hits = (await this.timed(this.keys.run('chatRateHit', this.keys.prefix + key, Math.max(1, Math.ceil(windowMs))))) as number
    return hits <= limit
  }

  private async leased(key: string, limit: number, windowMs: number): Promise<boolean> {
    const now = Date.now()
    const here = this.leases.local(key, now)
    if (here !== null) return here
    const n = this.leases.chunk(key, limit, now)
    const window = Math.max(1, Math.ceil(windowMs))
    const [total, ttl] = (await this.timed(this.keys.run('chatRateTake', this.keys.prefix + key, window, n))) as [number, number]
    return this.leases.took(key, n, total, limit, ttl, now)
  }

  async peek(key: string): Promise<{ hits: number; resetMs: number }> {
    const [hits, ttl] = (await this.timed(this.keys.run('chatRatePeek', this.keys.prefix + key))) as [number, number]
    return ttl > 0 ? { hits, resetMs: ttl } : { hits: 0, resetMs: 0 }
  }

  async close(): Promise<void> {
    if (this.o.ownsClient) await closeClient(this.o.redis)
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.o.timeoutMs ?? 3000, 'rate limiter')
  }
}
