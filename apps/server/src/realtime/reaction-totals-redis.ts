import type { User } from '@chat/protocol'
import { KeyScripts, type RedisKeysOptions } from '../redis/scripts'
import { keyId, type Batch, type Counts, type MergeResult, type ReactionTotals, type RoomKey } from './reaction-totals'

// A room's keys share one `{…}` hash tag, so each script touches one slot (Redis Cluster).
//   …{R|created}        hash  l, f: the totals; g: frames sent so far (the slot's generation)
//   …{R|created}:from   list  user JSONs of who reacted since the last frame, newest first
//   …{R|created}:slot   the frame slot: exists for slotMs after a frame, so one node a slot sends

/** KEYS: totals, from, slot. Returns the publish/wait reply (the totals hash exists). */
const TAKE = `
local function take(slotMs)
  if redis.call('SET', KEYS[3], '1', 'NX', 'PX', slotMs) then
    redis.call('HINCRBY', KEYS[1], 'g', 1)
    local from = redis.call('LRANGE', KEYS[2], 0, 4)
    redis.call('DEL', KEYS[2])
    local t = redis.call('HMGET', KEYS[1], 'l', 'f')
    return {1, tonumber(t[1]), tonumber(t[2]), from}
  end
  local t = redis.call('HMGET', KEYS[1], 'l', 'f', 'g')
  return {0, redis.call('PTTL', KEYS[3]), tonumber(t[1]), tonumber(t[2]), tonumber(t[3] or '0')}
end
`

/** ARGV: likes, flowers, slotMs, ttlMs, seeded ('1'|'0'), seedLikes, seedFlowers, user JSON… (oldest first). */
const MERGE = `${TAKE}
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[5] ~= '1' then return {-1} end
  redis.call('HSET', KEYS[1], 'l', ARGV[6], 'f', ARGV[7], 'g', 0)
end
redis.call('HINCRBY', KEYS[1], 'l', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'f', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if #ARGV >= 8 then
  for i = 8, #ARGV do
    redis.call('LREM', KEYS[2], 0, ARGV[i])
    redis.call('LPUSH', KEYS[2], ARGV[i])
  end
  redis.call('LTRIM', KEYS[2], 0, 4)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return take(ARGV[3])
`

/** ARGV: slotMs, gen → a frame since gen (or no totals at all): {2}; else as MERGE. */
const RETRY = `${TAKE}
local g = redis.call('HGET', KEYS[1], 'g')
if not g or tonumber(g) > tonumber(ARGV[2]) then return {2} end
return take(ARGV[1])
`

const SCRIPTS = {
  chatReactMerge: { numberOfKeys: 3, lua: MERGE },
  chatReactRetry: { numberOfKeys: 3, lua: RETRY },
} as const

export interface RedisTotalsOptions extends RedisKeysOptions {
  slotMs: number
  /** Idle rooms' totals leave Redis after this; the store's copy seeds them again. */
  ttlMs?: number
}

type Reply = [number, ...unknown[]]

/**
 * Totals in Redis, shared by every node: HINCRBY under a script, so a merge, the list of
 * who reacted and the test-and-take of the frame slot are one atomic step.
 */
export class RedisTotals implements ReactionTotals {
  readonly kind = 'redis' as const
  private readonly scripts: KeyScripts<keyof typeof SCRIPTS>

  constructor(private readonly o: RedisTotalsOptions) {
    this.scripts = new KeyScripts(o, 'rx', SCRIPTS)
  }

  private keys(k: RoomKey): [string, string, string] {
    const base = `${this.scripts.prefix}{${keyId(k)}}`
    return [base, `${base}:from`, `${base}:slot`]
  }

  async merge(key: RoomKey, b: Batch, seed: Counts | null): Promise<MergeResult> {
    const ttl = this.o.ttlMs ?? 7 * 24 * 3600_000
    const users = b.from.map((u) => JSON.stringify({ id: u.id, name: u.name, avatar: u.avatar }))
    const r = (await this.scripts.run(
      'chatReactMerge',
      ...this.keys(key),
      b.likes,
      b.flowers,
      this.o.slotMs,
      ttl,
      seed ? '1' : '0',
      seed?.likes ?? 0,
      seed?.flowers ?? 0,
      ...users,
    )) as Reply
    return r[0] === -1 ? { kind: 'seed' } : this.result(r)
  }

  async retry(key: RoomKey, gen: number): Promise<MergeResult> {
    return this.result((await this.scripts.run('chatReactRetry', ...this.keys(key), this.o.slotMs, gen)) as Reply)
  }

  async read(key: RoomKey): Promise<Counts | null> {
    const [l, f] = await this.o.redis.hmget(this.keys(key)[0], 'l', 'f')
    return l === null || f === null ? null : { likes: Number(l), flowers: Number(f) }
  }

  private result(r: Reply): MergeResult {
    if (r[0] === 2) return { kind: 'done' }
    if (r[0] === 1) {
      const from = (r[3] as string[]).flatMap((s) => {
        try {
          return [JSON.parse(s) as User]
        } catch {
          return []
        }
      })
      return { kind: 'publish', totals: { likes: Number(r[1]), flowers: Number(r[2]) }, from }
    }
    // A slot without expiry cannot happen (SET … PX); should PTTL say so anyway, wait a slot.
    const ms = Number(r[1])
    return { kind: 'wait', ms: ms > 0 ? ms : this.o.slotMs, gen: Number(r[4]), totals: { likes: Number(r[2]), flowers: Number(r[3]) } }
  }
}
