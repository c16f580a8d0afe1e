import fp from 'fastify-plugin'
import { MemberCache } from '../../realtime/member-cache'
import { ThrottledLog } from '../../realtime/throttled-log'
import { MemoryTotals, type ReactionTotals } from '../../realtime/reaction-totals'
import { RedisTotals } from '../../realtime/reaction-totals-redis'
import { Reactions } from '../../realtime/reactions'

declare module 'fastify' {
  interface FastifyInstance {
    /** v1.1 §B: counts `react` taps and sends each room's `reactions` frames. */
    reactions: Reactions
    /** The memberships `react` checks, without a store read per tap. */
    reactMembers: MemberCache
  }
}

/**
 * How often a node merges its counted taps. With Redis, what a kill -9 of a node loses (a
 * merge is a Redis round trip per room). Embedded, merging is a few additions in memory,
 * done often so that the writes — every 0.8 s per room while reactions come — are all that
 * a kill -9 can lose.
 */
export const REACT_FLUSH_MS = { redis: 500, memory: 100 }
/**
 * One frame per room per slot across the cluster. A little over a second, so that two frames
 * sent a slot apart never arrive less than a second apart however the network jitters.
 */
export const REACT_SLOT_MS = 1050

/**
 * Reactions: totals in Redis with REDIS_URL (shared by every node), else in this process;
 * persisted to the store. Registered after the hub: its onClose runs before the hub's, the
 * broker's and the store's (LIFO), after every socket's in-flight frames have finished
 * (preClose), so the last taps are merged, announced and persisted.
 */
export default fp(
  async (app) => {
    const memory = app.redis ? null : new MemoryTotals(REACT_SLOT_MS)
    const totals: ReactionTotals = app.redis ? new RedisTotals({ redis: app.redis, slotMs: REACT_SLOT_MS }) : memory!
    const log = new ThrottledLog(app.log)
    const reactions = new Reactions({
      store: app.store,
      totals,
      emit: (room, frame) => app.hub.emit(room, frame),
      warn: (what, err, room) => log.warn(what, { err: String(err), room }, `${what} failed; retried`),
      flushMs: app.redis ? REACT_FLUSH_MS.redis : REACT_FLUSH_MS.memory,
      persistMerges: memory !== null,
    })
    // Like/flower messages change RoomInfo.stats too: their sender is named in the next frame.
    app.hub.onStored = (m) => {
      if (m.kind === 'like' || m.kind === 'flower') reactions.touch(m.room, m.from)
    }
    const redis = app.redis
    const stampKey = (room: string) => `chat:rxv:{${room}}`
    const members = new MemberCache(
      redis && {
        read: (room) => redis.get(stampKey(room)),
        // Outlives any cache entry made under the old stamp (50 s, member-cache.ts).
        bump: (room) => void redis.set(stampKey(room), `${Date.now()}.${Math.random()}`, 'PX', 60_000).catch(() => {}),
      },
      () => app.broker.healthy(),
    )
    app.hub.onRoomChange = (room, user, here) => members.drop(room, user, here)
    app.hub.onLinkBack = () => members.clear()
    reactions.start()
    // Embedded mode keeps idle rooms' totals for an hour (the store has them once announced).
    const sweep = setInterval(() => {
      members.sweep()
      memory?.forget(Date.now() - 3600_000)
    }, 60_000)
    sweep.unref()
    app.decorate('reactions', reactions)
    app.decorate('reactMembers', members)
    app.addHook('onClose', async () => {
      clearInterval(sweep)
      app.hub.onStored = null
      app.hub.onRoomChange = null
      app.hub.onLinkBack = null
      await reactions.stop()
    })
  },
  { name: 'reactions', dependencies: ['config', 'db', 'redis', 'broker', 'hub'] },
)
