import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody, secondsField, userIdField } from '../lib/http'
import { pushRoomInfo } from '../services/room-push'
import { requireHost } from '../services/rooms'

type P = { Params: { id: string } }

/**
 * Room owner (admins, mutes, kicks) and admins (mutes, kicks); every action audited.
 * Roles and mutes belong to the user, so they outlive leave/join; a kick ends the
 * membership and any admin role with it.
 */
export default async function moderation(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))
  const { store } = app

  async function check(req: FastifyRequest<P>, ownerOnly: boolean) {
    const { room, role } = await requireHost(store, req.params.id, req.user.id, ownerOnly)
    const b = jsonBody(req)
    const userId = userIdField(b)
    const [target, targetRole] = await Promise.all([store.getMember(room.id, userId), store.getRole(room.id, userId)])
    if (targetRole === 'owner') fail(ErrorCode.Forbidden, 'the owner cannot be moderated')
    if (targetRole === 'admin' && role !== 'owner' && !ownerOnly) fail(ErrorCode.Forbidden, 'only the owner can moderate an admin')
    return { room, b, userId, target }
  }

  const audit = (req: FastifyRequest<P>, action: string, targetId: string, detail: Record<string, unknown>) =>
    store.audit({ actorId: req.user.id, action, roomId: req.params.id, targetId, detail, ts: Date.now() })

  app.post<P>('/api/rooms/:id/admins', async (req, reply) => {
    const { room, userId, target } = await check(req, true)
    if (!target) return fail(ErrorCode.NotFound, 'that user is not a member of this room')
    if (await store.setAdmin(room.id, userId, true, Date.now())) {
      await audit(req, 'admin.add', userId, {})
      await pushRoomInfo(app, room.id)
    }
    return reply.code(204).send()
  })

  app.post<P>('/api/rooms/:id/mutes', async (req, reply) => {
    const { room, b, userId, target } = await check(req, false)
    const seconds = secondsField(b)
    if (!(await store.getUser(userId))) fail(ErrorCode.NotFound, 'no such user')
    if (!target) fail(ErrorCode.NotFound, 'that user is not a member of this room')
    const until = seconds === 0 ? null : Date.now() + seconds * 1000
    await store.setMutedUntil(room.id, userId, until)
    // Their open connections learn it at once (the input bar says until when).
    app.hub.control({ k: 'mute', room: room.id, user: userId, until })
    await audit(req, seconds === 0 ? 'unmute' : 'mute', userId, { seconds })
    return reply.code(204).send()
  })

  app.post<P>('/api/rooms/:id/kicks', async (req, reply) => {
    const { room, b, userId } = await check(req, false)
    const seconds = secondsField(b)
    if (!(await store.getUser(userId))) fail(ErrorCode.NotFound, 'no such user')
    await store.setKickedUntil(room.id, userId, seconds === 0 ? null : Date.now() + seconds * 1000)
    await store.removeMember(room.id, userId)
    const wasAdmin = await store.setAdmin(room.id, userId, false, Date.now())
    app.hub.control({ k: 'kick', room: room.id, user: userId })
    await audit(req, 'kick', userId, { seconds })
    if (wasAdmin) await pushRoomInfo(app, room.id)
    return reply.code(204).send()
  })
}
