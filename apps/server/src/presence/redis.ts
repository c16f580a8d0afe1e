import { randomBytes } from 'node:crypto'
import type { User } from '@chat/protocol'
import type { Cluster, Redis } from 'ioredis'
import { withTimeout } from '../lib/deadline'
import { closeClient } from '../redis/client'
import { scriptRunner, type ScriptRunner } from '../redis/scripts'
import { PRESENCE_SCRIPTS } from './redis-scripts'
import type { Presence, PresenceGone } from './types'

export interface RedisPresenceOptions {
  /** A command connection (standalone or cluster). */
  redis: Redis | Cluster
  /** Close `redis` on close() (the app passes its shared client and keeps it). */
  ownsClient?: boolean
  nodeId: string
  /** Key prefix (no braces), default "chat:". */
  prefix?: string
  /** A node silent this long is dead and its entries stop counting (default 15 s). */
  nodeTtlMs?: number
  /** Lease refresh and dead-list poll period (default a third of the TTL). */
  heartbeatMs?: number
  /** Each call gives up after this (default 3 s) rather than hang on a dead link. */
  timeoutMs?: number
}

interface LocalEntry {
  user: User
  field: string
  /** Set while a resurrection re-adds this entry under the new incarnation. */
  restoring?: Promise<void>
}

/**
 * Presence in Redis, per connection, atomic across nodes (Lua, one hash slot per room).
 *
 * Liveness: each process registers an *incarnation* (node id + random) in a sorted set with
 * a lease it refreshes every heartbeat. Entries carry their incarnation; once a lease runs
 * out (kill -9, lost host) the entries stop counting for add/remove/online at the next
 * heartbeat of the reader (so within TTL + heartbeat), and reap() deletes them and reports
 * who went offline. A process that was only slow, or cut off from Redis longer than the TTL,
 * finds itself dead, takes a new incarnation and re-adds its local entries. Restarting with
 * the same NODE_ID is safe: it is a new incarnation.
 */
export class RedisPresence implements Presence {
  readonly kind = 'redis' as const
  private readonly run: ScriptRunner<keyof typeof PRESENCE_SCRIPTS>
  private readonly redis: Redis | Cluster
  private readonly p: string
  private readonly ttlMs: number
  private readonly timeoutMs: number
  private incarnation: string
  private registered = false
  /** Local entries still carry an old incarnation: re-add them (retried each beat until done). */
  private restorePending = false
  private dead: string[] = []
  /** room → connId → entry, what this process holds (re-added after a resurrection). */
  private readonly local = new Map<string, Map<string, LocalEntry>>()
  private beating: Promise<void> | null = null
  private readonly timer: NodeJS.Timeout
  private closed = false

  constructor(private readonly o: RedisPresenceOptions) {
    const prefix = o.prefix ?? 'chat:'
    if (/[{}]/.test(prefix)) throw new Error('presence prefix may not contain { or }')
    this.redis = o.redis
    this.run = scriptRunner(o.redis, PRESENCE_SCRIPTS)
    this.p = `${prefix}presence:`
    this.ttlMs = o.nodeTtlMs ?? 15_000
    this.timeoutMs = o.timeoutMs ?? 3000
    this.incarnation = newIncarnation(o.nodeId)
    this.timer = setInterval(() => void this.beat().catch(() => {}), o.heartbeatMs ?? Math.ceil(this.ttlMs / 3))
    this.timer.unref()
    void this.beat().catch(() => {})
  }

  /** This process' current incarnation (changes after it was declared dead). */
  get nodeKey(): string {
    return this.incarnation
  }

  async add(room: string, user: User, connId: string): Promise<boolean> {
    await this.ready()
    const field = `${this.incarnation}|${connId}`
    let conns = this.local.get(room)
    if (!conns) this.local.set(room, (conns = new Map()))
    conns.set(connId, { user, field })
    try {
      return (await this.addEntry(room, user, field)) === 1
    } catch (err) {
      if (conns.get(connId)?.field === field) conns.delete(connId)
      if (conns.size === 0 && this.local.get(room) === conns) this.local.delete(room)
      throw err
    }
  }

  async remove(room: string, userId: string, connId: string): Promise<boolean> {
    await this.ready()
    const conns = this.local.get(room)
    // Run before a pending re-add lands, the REMOVE would find nothing and the ADD would then
    // leave the user online for as long as this node lives: wait for it.
    await conns?.get(connId)?.restoring?.catch(() => {})
    const field = conns?.get(connId)?.field ?? `${this.incarnation}|${connId}`
    conns?.delete(connId)
    const k = this.roomKeys(room)
    const r = await this.timed(this.run('chatPresenceRemove', k.user(userId), k.users, k.nodes, userId, field, ...this.dead))
    if (conns && conns.size === 0 && this.local.get(room) === conns) {
      this.local.delete(room)
      // Issued at once, so it reaches Redis before the SADD of any later add to this room.
      this.redis.srem(this.indexKey(this.incarnation), room).catch(() => {})
    }
    return r === 1
  }

  async online(room: string): Promise<User[]> {
    await this.ready()
    const k = this.roomKeys(room)
    const list = (await this.timed(this.run('chatPresenceOnline', k.users, k.nodes, k.userPrefix, ...this.dead))) as string[]
    return list.map((j) => JSON.parse(j) as User)
  }

  async reap(): Promise<PresenceGone[]> {
    await this.ready()
    await this.beat()
    const gone: PresenceGone[] = []
    for (const node of this.dead) {
      const rooms = await this.timed(this.redis.smembers(this.indexKey(node)))
      for (let i = 0; i < rooms.length; i += 100) {
        const batch = rooms.slice(i, i + 100)
        const results = await this.timed(
          Promise.all(
            batch.map((room) => {
              const k = this.roomKeys(room)
              return this.run('chatPresenceReap', k.users, k.nodes, k.userPrefix, node) as Promise<string[]>
            }),
          ),
        )
        results.forEach((users, j) => {
          for (const u of users) gone.push({ room: batch[j], user: JSON.parse(u) as User })
        })
      }
      await this.timed(this.redis.del(this.indexKey(node)))
      await this.timed(this.redis.zrem(this.registryKey, node))
    }
    return gone
  }

  /**
   * Stops the heartbeat and marks this incarnation dead at once, so entries the app did not
   * remove are reaped (and reported offline) by the other nodes instead of lingering.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    await this.beating?.catch(() => {})
    if (this.registered) {
      await this.timed(this.run('chatPresenceHeartbeat', this.registryKey, this.incarnation, this.ttlMs, '1', 'leave')).catch(() => {})
    }
    this.local.clear()
    if (this.o.ownsClient) await closeClient(this.redis)
  }

  private get registryKey(): string {
    return `${this.p}nodes`
  }

  private indexKey(incarnation: string): string {
    return `${this.p}node:${incarnation}`
  }

  private roomKeys(room: string) {
    const base = `${this.p}{${room}}:`
    return { users: `${base}users`, nodes: `${base}nodes`, userPrefix: `${base}u:`, user: (id: string) => `${base}u:${id}` }
  }

  private async addEntry(room: string, user: User, field: string): Promise<number> {
    const k = this.roomKeys(room)
    const inc = field.slice(0, field.indexOf('|'))
    // The index first: a node's entries must never exist in a room reap() cannot find.
    await this.timed(this.redis.sadd(this.indexKey(inc), room))
    const r = this.run('chatPresenceAdd', k.user(user.id), k.users, k.nodes, user.id, field, inc, JSON.stringify(user), ...this.dead)
    return (await this.timed(r)) as number
  }

  private async ready(): Promise<void> {
    if (this.closed) throw new Error('presence is closed')
    if (!this.registered) await this.beat()
  }

  /** One heartbeat at a time; refreshes the lease and the dead list. */
  private beat(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.beating ??= this.doBeat().finally(() => {
      this.beating = null
    })
    return this.beating
  }

  private async doBeat(): Promise<void> {
    const [alive, dead] = (await this.timed(
      this.run('chatPresenceHeartbeat', this.registryKey, this.incarnation, this.ttlMs, this.registered ? '1' : '0', 'beat'),
    )) as [number, string[]]
    this.dead = dead.filter((d) => d !== this.incarnation)
    if (alive !== 1) {
      // Declared dead (stalled or cut off longer than the TTL): come back as a new incarnation.
      this.incarnation = newIncarnation(this.o.nodeId)
      this.registered = false
      this.restorePending = true
      const [again, dead2] = (await this.timed(
        this.run('chatPresenceHeartbeat', this.registryKey, this.incarnation, this.ttlMs, '0', 'beat'),
      )) as [number, string[]]
      this.dead = dead2.filter((d) => d !== this.incarnation)
      if (again !== 1) throw new Error('presence could not register its node')
    }
    this.registered = true
    if (this.restorePending) {
      await this.restore()
      this.restorePending = false
    }
  }

  /** Re-adds the local entries that still carry an old incarnation under the current one. */
  private async restore(): Promise<void> {
    const inc = this.incarnation
    for (const [room, conns] of this.local) {
      for (const entry of conns.values()) {
        if (entry.field.startsWith(`${inc}|`)) continue
        const field = `${inc}|${entry.field.slice(entry.field.indexOf('|') + 1)}`
        // The field switches only once the entry is in Redis; a failed re-add is retried next beat.
        const p = this.addEntry(room, entry.user, field).then(() => {
          entry.field = field
        })
        entry.restoring = p
        try {
          await p
        } finally {
          if (entry.restoring === p) entry.restoring = undefined
        }
      }
    }
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.timeoutMs, 'presence')
  }
}

function newIncarnation(nodeId: string): string {
  return `${nodeId}.${randomBytes(6).toString('hex')}`
}
