import { randomBytes } from 'node:crypto'
import { CloseCode, type Message, type MutePush, type KickedPush } from '@chat/protocol'
import type { Broker } from '../broker/types'
import { PresenceGuard } from '../presence/guard'
import type { Presence } from '../presence/types'
import type { Store } from '../store/types'
import type { Connection } from './connection'
import { EventBatch } from './event-batch'
import { Outbox } from './outbox'
import { textFrame } from './frame'
import { PresenceCoalescer } from './presence-coalescer'
import { RoomFeed } from './room-feed'
import { ThrottledLog } from './throttled-log'
import { Upkeep, type UpkeepDeps } from './upkeep'
import {
  CONTROL_CHANNEL,
  decodeEnvelope,
  encodeEvent,
  encodeMessages,
  roomChannel,
  type Envelope,
  type Exclude,
  type RoomEvent,
} from './envelope'

export interface HubDeps extends UpkeepDeps {
  nodeId: string
  store: Store
  broker: Broker
  presence: Presence
  gapFillDelayMs: number
  /** See FeedDeps.pushWindowMs; 0 when not given. */
  pushWindowMs?: number
  /** See FeedDeps.windowMinMembers; 100 when not given. */
  windowMinMembers?: number
  metrics?: {
    delivered(n: number): void
    brokerError(): void
    redisError?(): void
    storeError?(): void
    connections?(n: number): void
  }
}

/**
 * This node's view of the cluster: its connections, one RoomFeed per room with local
 * members, and the broker wiring. Local sends are released directly (they work while
 * Redis is down) and published for the other nodes; this node ignores its own echoes.
 */
export class Hub {
  readonly conns = new Set<Connection>()
  /** Presence as joins and disconnects see it: never failing, repaired after an outage. */
  readonly presence: PresenceGuard
  /** A user's sockets here: most users have one, kept without a Set (memory per socket). */
  private readonly byUser = new Map<string, Connection | Set<Connection>>()
  private readonly feeds = new Map<string, RoomFeed>()
  /**
   * Names this process' envelopes. Not the NODE_ID alone: two processes given the same id
   * (a misconfiguration, or a restart racing its predecessor) must not drop each other's.
   */
  private readonly origin: string
  private readonly warn: ThrottledLog
  private readonly upkeep: Upkeep
  private readonly presenceFrames = new PresenceCoalescer()
  private readonly presenceWrites = new EventBatch()
  private readonly outbox = new Outbox((room, ms) => this.toBroker(roomChannel(room), encodeMessages(this.origin, ms)))
  /** Told of every message this node stores (the reactions service counts likes and flowers). */
  onStored: ((msg: Message) => void) | null = null
  /**
   * Told of mutes and kicks (a user) and `room` pushes (user null) on every node, `here` on
   * the node that made the change: caches drop what they held.
   */
  onRoomChange: ((room: string, user: string | null, here: boolean) => void) | null = null
  /** Told when the broker link is back after a loss: changes published meanwhile are gone. */
  onLinkBack: (() => void) | null = null

  constructor(private readonly d: HubDeps) {
    this.origin = `${d.nodeId}.${randomBytes(4).toString('hex')}`
    this.warn = new ThrottledLog(d.log)
    this.presence = new PresenceGuard(d.presence, {
      onError: (err: unknown, what: string) => {
        this.d.metrics?.redisError?.()
        this.warn.warn(what, { err: String(err) }, `${what} failed; answered from this node`)
      },
    })
    this.upkeep = new Upkeep(
      {
        feeds: () => this.feeds,
        localUsers: () => [...this.byUser.keys()],
        closeBanned: (userId) => this.onControl({ o: this.origin, k: 'ban', user: userId }),
        repairPresence: () => this.presence.repair(),
        emit: (room, frame) => this.emit(room, frame),
      },
      d,
      this.warn,
    )
  }

  async start(): Promise<void> {
    await this.d.broker.start({
      onMessage: (channel, data) => this.onBroker(channel, data),
      onReconnect: () => {
        this.onLinkBack?.()
        this.upkeep.linkBack()
      },
    })
    await this.d.broker.subscribe(CONTROL_CHANNEL)
    this.upkeep.start()
  }

  async stop(): Promise<void> {
    this.upkeep.stop()
    this.outbox.flush()
    this.presenceFrames.stop()
    this.presenceWrites.stop()
    for (const feed of this.feeds.values()) feed.close()
  }

  add(conn: Connection): void {
    this.conns.add(conn)
    this.d.metrics?.connections?.(this.conns.size)
  }

  authenticated(conn: Connection): void {
    const id = conn.user.id
    const had = this.byUser.get(id)
    if (!had) this.byUser.set(id, conn)
    else if (had instanceof Set) had.add(conn)
    else if (had !== conn) this.byUser.set(id, new Set([had, conn]))
  }

  /** This node's open, signed-in sockets of the user (offline notices ask it first). */
  userConnections(userId: string): number {
    const had = this.byUser.get(userId)
    return had instanceof Set ? had.size : had ? 1 : 0
  }

  private connsOf(userId: string): Connection[] {
    const had = this.byUser.get(userId)
    return had instanceof Set ? [...had] : had ? [had] : []
  }

  /** The socket is gone: end its subscriptions (membership stays). */
  async remove(conn: Connection): Promise<void> {
    this.conns.delete(conn)
    this.d.metrics?.connections?.(this.conns.size)
    if (conn.authenticated) {
      const id = conn.user.id
      const had = this.byUser.get(id)
      if (had === conn) this.byUser.delete(id)
      else if (had instanceof Set) {
        had.delete(conn)
        if (had.size === 1) this.byUser.set(id, had.values().next().value!)
      }
    }
    await Promise.all([...conn.rooms.keys()].map((room) => this.unsubscribe(conn, room)))
  }

  /** Reserves the room's feed (subscribing the node if it is the first local member). */
  async hold(room: string): Promise<RoomFeed> {
    let feed = this.feeds.get(room)
    if (!feed) {
      feed = new RoomFeed(room, {
        fetchAfter: (r, after, limit) => this.d.store.getMessages(r, { after, limit }),
        onError: (err: unknown, what: string) => {
          this.d.metrics?.storeError?.()
          this.warn.warn(what, { err: String(err), room }, `${what} failed; retried`)
        },
        gapFillDelayMs: this.d.gapFillDelayMs,
        pushWindowMs: this.d.pushWindowMs ?? 0,
        windowMinMembers: this.d.windowMinMembers ?? 100,
        onDeliver: (n) => this.d.metrics?.delivered(n),
      })
      this.feeds.set(room, feed)
    }
    feed.holds++
    try {
      await this.d.broker.subscribe(roomChannel(room))
    } catch (err) {
      // The tail check fills in until the link is back; the join itself must not fail.
      this.warn.warn('subscribe', { err: String(err), room }, 'broker subscribe failed')
      this.d.metrics?.brokerError()
    }
    return feed
  }

  /** Ends a hold; the last one out unsubscribes the node. */
  async release(feed: RoomFeed): Promise<void> {
    feed.holds--
    await this.dropIfEmpty(feed)
  }

  /** Starts live delivery to `conn` after its `joined` frame (whose last seq is `cursor`). */
  attach(conn: Connection, feed: RoomFeed, cursor: number): void {
    if (!conn.rooms.has(feed.room)) conn.rooms.set(feed.room, { cursor, filling: false })
    feed.attach(conn, cursor)
  }

  /** Ends `conn`'s subscription to `room`; true when it was subscribed. */
  async unsubscribe(conn: Connection, room: string): Promise<boolean> {
    if (!conn.rooms.has(room)) return false
    const feed = this.feeds.get(room)
    // Pushes released before the leave (waiting for their write) still reach this socket.
    feed?.flush()
    conn.rooms.delete(room)
    if (feed) {
      feed.detach(conn)
      await this.dropIfEmpty(feed)
    }
    if (conn.authenticated && (await this.presence.remove(room, conn.user, conn.id))) {
      this.emit(room, { type: 'presence', room, user: conn.user, status: 'offline' })
    }
    return true
  }

  /** A stored message: released here at once, and published for the other nodes at the end of the turn. */
  message(msg: Message): void {
    this.feeds.get(msg.room)?.offer(msg)
    this.onStored?.(msg)
    this.outbox.add(msg)
  }

  /** An ephemeral room event (typing, read, recalled, presence) to every node. */
  emit(room: string, frame: RoomEvent, exclude: Exclude = {}): void {
    if (frame.type === 'room') this.onRoomChange?.(room, null, true)
    this.deliverEvent(room, frame, exclude)
    this.publish(roomChannel(room), encodeEvent(this.origin, room, frame, exclude))
  }

  /** Kicks, mutes and bans reach every node through the control channel. */
  control(
    env:
      | { k: 'kick'; room: string; user: string }
      | { k: 'mute'; room: string; user: string; until: number | null }
      | { k: 'ban'; user: string },
  ): void {
    const full = { ...env, o: this.origin } as Envelope
    this.onControl(full)
    this.publish(CONTROL_CHANNEL, JSON.stringify(full))
  }

  private publish(channel: string, data: string): void {
    // Messages held for this turn leave first: an event or a kick must not overtake them.
    this.outbox.flush()
    this.toBroker(channel, data)
  }

  private toBroker(channel: string, data: string): void {
    this.d.broker.publish(channel, data).catch((err) => {
      // Nothing is lost: other nodes find the message in the store (tail check).
      this.d.metrics?.brokerError()
      this.warn.warn('publish', { err: String(err), channel }, 'broker publish failed')
    })
  }

  private onBroker(channel: string, data: string): void {
    const env = decodeEnvelope(data)
    if (!env || env.o === this.origin) return
    if (channel === CONTROL_CHANNEL) return this.onControl(env)
    if (env.k === 'm') this.feeds.get(env.m.room)?.offer(env.m)
    else if (env.k === 'ms') for (const m of env.ms) this.feeds.get(m.room)?.offer(m)
    else if (env.k === 'e') {
      if (env.e.type === 'room') this.onRoomChange?.(env.room, null, false)
      this.deliverEvent(env.room, env.e, env.x ?? {})
    }
  }

  private onControl(env: Envelope): void {
    if (env.k === 'kick' || env.k === 'mute') this.onRoomChange?.(env.room, env.user, env.o === this.origin)
    if (env.k === 'kick') {
      // What the room released before the kick reaches everyone before the `kicked` frame.
      this.feeds.get(env.room)?.flush()
      for (const conn of this.connsOf(env.user)) {
        if (!conn.rooms.has(env.room)) continue
        conn.sendFrame({ type: 'kicked', room: env.room } satisfies KickedPush)
        void this.unsubscribe(conn, env.room)
      }
    } else if (env.k === 'mute') {
      // Only to the muted user's connections joined to the room, after what was released before.
      const frame = JSON.stringify({ type: 'mute', room: env.room, until: env.until } satisfies MutePush)
      this.feeds.get(env.room)?.flush()
      for (const conn of this.connsOf(env.user)) if (conn.rooms.has(env.room)) conn.send(frame)
    } else if (env.k === 'ban') {
      for (const conn of this.connsOf(env.user)) conn.close(CloseCode.Banned, 'banned')
    }
  }

  private deliverEvent(room: string, frame: RoomEvent, exclude: Exclude): void {
    const feed = this.feeds.get(room)
    if (!feed) return
    if (frame.type === 'room') feed.roomChanges++
    const data = JSON.stringify(frame)
    // A frame from another node is only as well-formed as that node made it.
    const userId = frame.type === 'presence' ? (frame.user as { id?: unknown } | undefined)?.id : undefined
    // A user's presence changes reach this node's connections at most once a second.
    if (typeof userId === 'string') this.presenceFrames.offer(room, userId, () => this.writeEvent(room, data, exclude, true))
    else this.writeEvent(room, data, exclude, false)
  }

  /** `batched`: held to the end of the turn, one write per socket (event-batch.ts). */
  private writeEvent(room: string, data: string, exclude: Exclude, batched: boolean): void {
    const feed = this.feeds.get(room)
    if (!feed) return
    // Pushes released before this event go out before it.
    feed.flush()
    const frame = batched ? textFrame(data) : null
    for (const conn of feed.members) {
      if (conn.id === exclude.conn || conn.user.id === exclude.user) continue
      if (frame) this.presenceWrites.add(conn, room, frame, data)
      else conn.send(data)
    }
  }

  private async dropIfEmpty(feed: RoomFeed): Promise<void> {
    if (!feed.empty || this.feeds.get(feed.room) !== feed) return
    this.feeds.delete(feed.room)
    feed.close()
    try {
      await this.d.broker.unsubscribe(roomChannel(feed.room))
    } catch (err) {
      this.d.log.warn({ err: String(err), room: feed.room }, 'broker unsubscribe failed')
    }
  }
}
