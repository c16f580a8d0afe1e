import type { PresencePush } from '@chat/protocol'
import type { FastifyBaseLogger } from 'fastify'
import type { PresenceChange } from '../presence/guard'
import type { Presence } from '../presence/types'
import type { Store } from '../store/types'
import type { ThrottledLog } from './throttled-log'

/** What the upkeep needs of the hub, and nothing more. */
export interface UpkeepHost {
  /** Rooms with a feed on this node: each is told the store's last seq. */
  feeds(): ReadonlyMap<string, { behind(seq: number): void }>
  /** Users with a socket on this node. */
  localUsers(): string[]
  /** Closes a banned user's sockets on this node only. */
  closeBanned(userId: string): void
  /** Presence transitions the guard's repair replayed. */
  repairPresence(): Promise<PresenceChange[]>
  emit(room: string, frame: PresencePush): void
}

export interface UpkeepDeps {
  store: Pick<Store, 'lastSeqs' | 'getUsers'>
  presence: Pick<Presence, 'reap'>
  log: FastifyBaseLogger
  tailCheckMs: number
  metrics?: { storeError?(): void }
}

/**
 * What a node does on a timer and when its broker link comes back. Pub/sub is
 * at-most-once, so the store is asked now and then whether a room moved on without us
 * (tail check); a node that died without goodbye leaves presence entries that whoever
 * reaps announces as "offline"; bans published while the link was down are looked up.
 */
export class Upkeep {
  private tailTimer: NodeJS.Timeout | null = null
  private reapTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly hub: UpkeepHost,
    private readonly d: UpkeepDeps,
    private readonly warn: ThrottledLog,
  ) {}

  start(): void {
    this.tailTimer = setInterval(() => void this.tailCheck(), this.d.tailCheckMs)
    this.tailTimer.unref()
    this.reapTimer = setInterval(() => void this.reap(), 5000)
    this.reapTimer.unref()
  }

  stop(): void {
    if (this.tailTimer) clearInterval(this.tailTimer)
    if (this.reapTimer) clearInterval(this.reapTimer)
  }

  /** Frames published while the link was down are gone: the store and a replay cover them. */
  linkBack(): void {
    this.d.log.info('broker link back: checking rooms against the store')
    void this.tailCheck()
    void this.reap()
    void this.reconcileBans()
  }

  private async tailCheck(): Promise<void> {
    const feeds = this.hub.feeds()
    const rooms = [...feeds.keys()]
    if (rooms.length === 0) return
    try {
      for (let i = 0; i < rooms.length; i += 500) {
        const last = await this.d.store.lastSeqs(rooms.slice(i, i + 500))
        for (const [room, seq] of last) feeds.get(room)?.behind(seq)
      }
    } catch (err) {
      this.d.metrics?.storeError?.()
      this.warn.warn('tail', { err: String(err) }, 'tail check failed')
    }
  }

  private async reap(): Promise<void> {
    for (const { room, user, status } of await this.hub.repairPresence()) {
      this.hub.emit(room, { type: 'presence', room, user, status })
    }
    try {
      for (const { room, user } of await this.d.presence.reap()) {
        this.hub.emit(room, { type: 'presence', room, user, status: 'offline' })
      }
    } catch (err) {
      this.warn.warn('reap', { err: String(err) }, 'presence reap failed')
    }
  }

  private async reconcileBans(): Promise<void> {
    try {
      for (const u of await this.d.store.getUsers(this.hub.localUsers())) {
        if (u.bannedAt !== null) this.hub.closeBanned(u.id)
      }
    } catch (err) {
      this.d.log.warn({ err: String(err) }, 'ban check after reconnect failed')
    }
  }
}
