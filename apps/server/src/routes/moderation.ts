import { ErrorCode } from '@chat/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody, secondsField, userIdField } from '../lib/http'
import { isModerator } from '../services/rooms'

type P = { Params: { id: string } }

/** Room owner (admins, mutes, kicks) and admins (mutes, kicks); every action audited. */
export default async function moderation(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))
  const { store } = app

  async function check(req: FastifyRequest<P>, ownerOnly: boolean) {
    const room = await store.getRoom(req.params.id)
    if (!room) return fail(ErrorCode.NotFound, 'no such room')
    const me = await store.getMember(room.id, req.user.id)
    if (ownerOnly ? me?.role !== 'owner' : !isModerator(me)) {
      return fail(ErrorCode.Forbidden, ownerOnly ? 'only the room owner can do this' : "only the room's owner or admins can do this")
    }
    const b = jsonBody(req)
    const userId = userIdField(b)
    const target = await store.getMember(room.id, userId)
    if (target?.role === 'owner') fail(ErrorCode.Forbidden, 'the owner cannot be moderated')
    return { room, b, userId, target }
  }

  const audit = (req: FastifyRequest<P>, action: string, targetId: string, detail: Record<string, unknown>) =>
    store.audit({ actorId: req.user.id, action, roomId: req.params.id, targetId, detail, ts: Date.now() })

  app.post<P>('/api/rooms/:id/admins', async (req, reply) => {
    const { room, userId, target } = await check(req, true)
    if (!target) return fail(ErrorCode.NotFound, 'that user is not a member of this room')
    await store.setRole(room.id, userId, 'admin')
    await audit(req, 'admin.grant', userId, {})
    return reply.code(204).send()
  })

  app.post<P>('/api/rooms/:id/mutes', async (req, reply) => {
    const { room, b, userId, target } = await check(req, false)
    const seconds = secondsField(b)
    if (target?.role === 'admin' && !(await isOwner(req))) fail(ErrorCode.Forbidden, 'only the owner can mute an admin')
    if (!(await store.getUser(userId))) fail(ErrorCode.NotFound, 'no such user')
    if (!target) fail(ErrorCode.NotFound, 'that user is not a member of this room')
    await store.setMutedUntil(room.id, userId, seconds === 0 ? null : Date.now() + seconds * 1000)
    await audit(req, seconds === 0 ? 'unmute' : 'mute', userId, { seconds })
    return reply.code(204).send()
  })

  app.post<P>('/api/rooms/:id/kicks', async (req, reply) => {
    const { room, b, userId, target } = await check(req, false)
    const seconds = secondsField(b)
    if (target?.role === 'admin' && !(await isOwner(req))) fail(ErrorCode.Forbidden, 'only the owner can kick an admin')
    if (!(await store.getUser(userId))) fail(ErrorCode.NotFound, 'no such user')
    await store.setKickedUntil(room.id, userId, seconds === 0 ? null : Date.now() + seconds * 1000)
    await store.removeMember(room.id, userId)
    app.hub.control({ k: 'kick', room: room.id, user: userId })
    await audit(req, 'kick', userId, { seconds })
    return reply.code(204).send()
  })

  async function isOwner(req: FastifyRequest<P>) {
    return (await store.getMember(req.params.id, req.user.id))?.role === 'owner'
  }
}
