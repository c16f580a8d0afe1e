import { checkText, ErrorCode, Limits, type Announcement, type RoomAccess } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { fail } from '../lib/errors'
import { jsonBody, userIdField } from '../lib/http'
import { pushRoomInfo } from '../services/room-push'
import { newInviteCode, requireHost, roomInfo } from '../services/rooms'
import type { RoomPatch, RoomRecord } from '../store/types'

type P = { Params: { id: string } }

const PATCH_FIELDS = new Set(['title', 'announcement', 'mutedAll', 'access'])

/**
 * v1.1 §A, the host's calls: settings (owner and admins), admin removal and owner transfer
 * (owner only), invite codes (owner and admins). Each change is audited and pushed to the
 * room as a `room` frame on every node. Registered inside routes/rooms (its auth hook).
 */
export default async function roomSettings(app: FastifyInstance) {
  const { store } = app

  /** Titles and announcements go through the word filter as message text does. */
  function clean(text: string): string {
    if (app.config.sensitiveMode === 'reject' && app.contentFilter.matches(text))
      return fail(ErrorCode.BadRequest, 'the text contains a blocked word')
    return app.contentFilter.clean(text)
  }

  const audit = (req: FastifyRequest<P>, action: string, targetId: string | null, detail: Record<string, unknown>) =>
    store.audit({ actorId: req.user.id, action, roomId: req.params.id, targetId, detail, ts: Date.now() })

  const patchRoom = async (req: FastifyRequest<P>) => {
    const { room } = await requireHost(store, req.params.id, req.user.id)
    if (room.kind === 'dm') return fail(ErrorCode.BadRequest, 'a private chat has no settings')
    const b = jsonBody(req)
    // Every field is checked before anything is stored: a bad one changes nothing. A field
    // that is not a setting (a typo, `owner`) is refused rather than silently ignored.
    const unknown = Object.keys(b).find((k) => !PATCH_FIELDS.has(k))
    if (unknown !== undefined) return fail(ErrorCode.BadRequest, `${unknown} is not a room setting (title, announcement, mutedAll, access)`)
    const want: RoomPatch = {}
    if (b.title !== undefined) {
      const t = checkText(b.title, 'title', Limits.titleMax)
      if (!t.ok) return fail(ErrorCode.BadRequest, t.message)
      want.title = clean(t.value)
    }
    let announcement: string | null | undefined
    if (b.announcement === null) announcement = null
    else if (b.announcement !== undefined) {
      const t = checkText(b.announcement, 'announcement', Limits.announcementMax)
      if (!t.ok) return fail(ErrorCode.BadRequest, t.message)
      announcement = clean(t.value)
    }
    if (b.mutedAll !== undefined) {
      if (typeof b.mutedAll !== 'boolean') return fail(ErrorCode.BadRequest, 'mutedAll must be true or false')
      want.mutedAll = b.mutedAll
    }
    if (b.access !== undefined) {
      if (b.access !== 'open' && b.access !== 'invite') return fail(ErrorCode.BadRequest, 'access must be "open" or "invite"')
      want.access = b.access as RoomAccess
    }
    if (announcement !== undefined)
      want.announcement = announcement === null ? null : ({ text: announcement, by: req.user.id, ts: Date.now() } satisfies Announcement)
    const changed = changes(room, want)
    if (Object.keys(changed).length === 0) return roomInfo(room, await store.listAdmins(room.id))
    // An invite room always has a code (the owner reads it with GET …/invite).
    if (changed.access === 'invite' && room.inviteCode === null) await store.ensureInviteCode(room.id, newInviteCode())
    await store.updateRoom(room.id, changed)
    await audit(req, 'settings', null, describe(changed))
    return pushRoomInfo(app, room.id)
  }
  app.patch<P>('/api/rooms/:id', patchRoom)
  // WeChat's wx.request has no PATCH: the mini-program sends the same call as PUT.
  app.put<P>('/api/rooms/:id', patchRoom)

  app.delete<{ Params: { id: string; userId: string } }>('/api/rooms/:id/admins/:userId', async (req, reply) => {
    const { room } = await requireHost(store, req.params.id, req.user.id, true)
    const userId = userIdField({ userId: req.params.userId })
    // Not an admin (the owner included): nothing to do, 204 all the same.
    if (await store.setAdmin(room.id, userId, false, Date.now())) {
      await audit(req, 'admin.remove', userId, {})
      await pushRoomInfo(app, room.id)
    }
    return reply.code(204).send()
  })

  app.post<P>('/api/rooms/:id/owner', async (req, reply) => {
    const { room } = await requireHost(store, req.params.id, req.user.id, true)
    const userId = userIdField(jsonBody(req))
    if (userId === req.user.id) return reply.code(204).send()
    if (!(await store.getMember(room.id, userId))) return fail(ErrorCode.NotFound, 'that user is not a member of this room')
    await store.setOwner(room.id, userId, Date.now())
    await audit(req, 'owner.transfer', userId, { from: req.user.id })
    await pushRoomInfo(app, room.id)
    return reply.code(204).send()
  })

  app.get<P>('/api/rooms/:id/invite', async (req) => {
    const { room } = await requireHost(store, req.params.id, req.user.id)
    // An open room gets its code now, ready for when it turns invite-only.
    const code = room.inviteCode ?? (await store.ensureInviteCode(room.id, newInviteCode()))
    return { code }
  })

  app.post<P>('/api/rooms/:id/invite', async (req) => {
    const { room } = await requireHost(store, req.params.id, req.user.id)
    const code = newInviteCode()
    await store.updateRoom(room.id, { inviteCode: code })
    await audit(req, 'invite.reset', null, {})
    return { code }
  })
}

/** The part of `want` that differs from the room as stored (an announcement counts when its text does). */
function changes(room: RoomRecord, want: RoomPatch): RoomPatch {
  const out: RoomPatch = {}
  if (want.title !== undefined && want.title !== room.title) out.title = want.title
  if (want.access !== undefined && want.access !== room.access) out.access = want.access
  if (want.mutedAll !== undefined && want.mutedAll !== room.mutedAll) out.mutedAll = want.mutedAll
  if (want.announcement !== undefined && (want.announcement?.text ?? null) !== (room.announcement?.text ?? null))
    out.announcement = want.announcement
  return out
}

/** What the audit entry keeps of a settings change (the announcement's text, not its author again). */
function describe(p: RoomPatch): Record<string, unknown> {
  const d: Record<string, unknown> = { ...p }
  if (p.announcement !== undefined) d.announcement = p.announcement?.text ?? null
  return d
}
