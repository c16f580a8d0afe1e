import { ErrorCode, Limits, type JoinFrame } from '@chat/protocol'
import { fail } from '../../lib/errors'
import { checkInvite, openRoom, roomInfo } from '../../services/rooms'
import { fitPage } from '../../services/page-cut'
import type { HandlerContext } from '../context'

/** join: membership + subscription; the reply is a snapshot, live pushes follow it. */
export async function join(ctx: HandlerContext, f: JoinFrame): Promise<void> {
  const { app, conn } = ctx
  const { store, hub } = app
  // Through the hub: presence answers from this node while Redis is away (a join must work).
  const presence = hub.presence
  const rejoin = conn.rooms.has(f.room)
  if (!rejoin && conn.rooms.size >= app.config.limits.roomsPerConn) {
    fail(ErrorCode.RateLimited, `a connection may join at most ${app.config.limits.roomsPerConn} rooms`)
  }
  const room = await openRoom(store, conn.user.id, f.room, Date.now(), (t) => app.contentFilter.clean(t))
  await checkInvite(store, room, conn.user.id, f.invite)
  const member = await store.addMember(room.id, conn.user.id, Date.now())
  // Subscribe before reading the snapshot, so nothing stored after it can slip by.
  const feed = await hub.hold(room.id)
  let first = false
  let attached = false
  try {
    first = await presence.add(room.id, conn.user, conn.id)
    // The head is read before the page: every seq up to it is then in the page (or below
    // `after`, or reachable with `more`). Read after, a message stored in between would sit
    // above the page yet at or below lastSeq — skipped by live pushes, never in the reply.
    const [head, admins] = await Promise.all([store.getRoom(room.id), store.listAdmins(room.id)])
    // §B stats: the live reaction totals (frames sent after this one carry newer ones). The
    // page (after the head, see above), the totals and the online list (after our own add)
    // are independent of each other: one round trip for the three.
    const [reactions, page, online] = await Promise.all([
      app.reactions.live(head ?? room),
      f.after === undefined
        ? store.getMessages(room.id, { limit: Limits.joinLatest })
        : store.getMessages(room.id, { after: f.after, limit: Limits.joinAfterMax }),
      presence.online(room.id),
    ])
    if (conn.closed) return
    // Live pushes start after lastSeq; with `after` and `more`, the client pages the
    // range between with history (its join point is the room's head, not its cursor).
    const lastSeq = Math.max(head?.lastSeq ?? room.lastSeq, page.messages.at(-1)?.seq ?? 0)
    // `mutedUntil` is an addition: the client's input bar says until when (null: not muted).
    const now = Date.now()
    const mutedUntil = member.mutedUntil !== null && member.mutedUntil > now ? member.mutedUntil : null
    ctx.reply({
      type: 'joined',
      room: roomInfo(head ?? room, admins, reactions),
      lastSeq,
      online,
      // Cut to fit 1 MiB (v1.1 §H), keeping the newest (an `after` join: the oldest).
      ...fitPage({ type: 'joined', room: head ?? room, online, id: f.id }, page, f.after === undefined ? 'newest' : 'oldest'),
      role: member.role,
      mutedUntil,
    })
    hub.attach(conn, feed, lastSeq)
    attached = true
    if (first) hub.emit(room.id, { type: 'presence', room: room.id, user: conn.user, status: 'online' }, { conn: conn.id })
    app.metrics?.joins.inc()
  } finally {
    if (!attached && !rejoin) await presence.remove(room.id, conn.user, conn.id)
    await hub.release(feed)
  }
}
