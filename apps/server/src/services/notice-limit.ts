import type { Cluster, Redis } from 'ioredis'

/**
 * At most one offline notice per user per room per interval (v1.1 §E: 60 s). With Redis
 * the slot is one key taken with SET NX PX, so every node sees it; embedded, a map in this
 * process (which is then the whole deployment). If Redis cannot answer, this node's map
 * decides: a notice too many beats a notice lost.
 */
export interface NoticeLimit {
  /** true: the slot was free and is now taken for `intervalMs`. */
  claim(userId: string, room: string): Promise<boolean>
}

export function createNoticeLimit(o: { redis: Redis | Cluster | null; intervalMs: number; onError?(err: unknown): void }): NoticeLimit {
  const local = new Map<string, number>()

  function claimLocal(key: string): boolean {
    const now = Date.now()
    if ((local.get(key) ?? 0) > now) return false
    // Bounded: expired slots are swept once the map grows.
    if (local.size >= 10_000) for (const [k, until] of local) if (until <= now) local.delete(k)
    local.set(key, now + o.intervalMs)
    return true
  }

  return {
    async claim(userId, room) {
      const key = `chat:notice:${userId}:${room}`
      if (!o.redis) return claimLocal(key)
      try {
        const ok = await o.redis.set(key, '1', 'PX', o.intervalMs, 'NX')
        return ok === 'OK'
      } catch (err) {
        o.onError?.(err)
        return claimLocal(key)
      }
    },
  }
}
