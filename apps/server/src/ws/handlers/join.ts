import { ErrorCode, Limits, parseRoomId, type JoinFrame, type RoomPush } from '@chat/protocol'
import { fail } from '../../lib/errors'
import { checkInvite, joinMembership, loadRoomInfo, openRoom, roomInfo } from '../../services/rooms'
import { fitPage } from '../../services/page-cut'
import type { HandlerContext } from '../context'

/**
 * join: membership + subscription; the reply is a snapshot, live pushes follow it.
 *
 * Round trips, in order: the room's feed (a broker subscribe only for the node's first
 * member), one store read (room, admins, the user's kick, membership, role and mute), then
 * together the membership insert for a new member, our presence add and the online list,
 * the page and the reaction totals.
 */
export async function join(ctx: HandlerContext, f: JoinFrame): Promise<void> {
  const { app, conn } = ctx
  const { store, hub } = app
  // Through the hub: presence answers from this node while Redis is away (a join must work).
  const presence = hub.presence
  const rejoin = conn.rooms.has(f.room)
  if (!rejoin && conn.rooms.size >= app.config.limits.roomsPerConn) {
    fail(ErrorCode.RateLimited, `a connection may join at most ${app.config.limits.roomsPerConn} rooms`)
  }
  if (!parseRoomId(f.room)) fail(ErrorCode.BadRequest, 'malformed room id')
  // Subscribe before the room is read, so nothing stored after the read can slip by: the
  // read's lastSeq is the head, and every seq up to it is in the page (read after it), below
  // `after`, or reachable with `more`; later ones come live.
  const feed = await hub.hold(f.room)
  const roomChanges = feed.roomChanges
  let adding: Promise<boolean> | null = null
  let attached = false
  try {
    const opened = await openRoom(store, conn.user.id, f.room, Date.now(), (t) => app.contentFilter.clean(t))
    const { room, admins } = opened
    checkInvite(opened, f.invite)
    // The rest is independent, so it goes out together: the membership, our presence add
    // (then the online list, which must include us), the page (read after the head, see
    // above) and the live reaction totals (§B stats; frames sent after this one carry newer).
    adding = presence.add(room.id, conn.user, conn.id)
    const [member, first, online, reactions, page] = await Promise.all([
      joinMembership(store, opened, conn.user.id, Date.now()),
      adding,
      adding.then(() => presence.online(room.id)),
      app.reactions.live(room),
      f.after === undefined
        ? store.getMessages(room.id, { limit: Limits.joinLatest })
        : store.getMessages(room.id, { after: f.after, limit: Limits.joinAfterMax }),
    ])
    if (conn.closed) return
    // Live pushes start after lastSeq; with `after` and `more`, the client pages the
    // range between with history (its join point is the room's head, not its cursor).
    const lastSeq = Math.max(room.lastSeq, page.messages.at(-1)?.seq ?? 0)
    // `mutedUntil` is an addition: the client's input bar says until when (null: not muted).
    const now = Date.now()
    const mutedUntil = member.mutedUntil !== null && member.mutedUntil > now ? member.mutedUntil : null
    ctx.reply({
      type: 'joined',
      room: roomInfo(room, admins, reactions),
      lastSeq,
      online,
      // Cut to fit 1 MiB (v1.1 §H), keeping the newest (an `after` join: the oldest).
      ...fitPage({ type: 'joined', room, online, id: f.id }, page, f.after === undefined ? 'newest' : 'oldest'),
      role: member.role,
      mutedUntil,
    })
    hub.attach(conn, feed, lastSeq)
    attached = true
    if (first) hub.emit(room.id, { type: 'presence', room: room.id, user: conn.user, status: 'online' }, { conn: conn.id })
    app.metrics?.joins.inc()
    // A `room` push that came while this join was under way missed this connection.
    if (feed.roomChanges !== roomChanges) await resendRoom(ctx, room.id)
  } finally {
    if (adding && !attached && !rejoin) {
      // The add may still be under way (another read failed first): undo it after it lands.
      await adding.catch(() => false)
      await presence.remove(f.room, conn.user, conn.id)
    }
    await hub.release(feed)
  }
}

/** Best effort: the join has been answered, so a failed read must not add an error frame. */
async function resendRoom(ctx: HandlerContext, roomId: string): Promise<void> {
  try {
    const info = await loadRoomInfo(ctx.app.store, roomId, (r) => ctx.app.reactions.live(r))
    if (info && !ctx.conn.closed) ctx.conn.sendFrame({ type: 'room', room: roomId, info } satisfies RoomPush)
  } catch (err) {
    ctx.app.log.warn({ err: String(err), room: roomId }, 'room info after a join failed')
  }
}
