import { ErrorCode, parseRoomId } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { jsonBody, userIdField } from '../lib/http'
import { pushRoomInfo } from '../services/room-push'

/**
 * v1.1 §A: `PUT /api/admin/rooms/:id/owner` — the operator sets the owner of any group room
 * (also one a `join` created without an owner). The user becomes a member; the previous
 * owner becomes an admin. Registered inside routes/admin, behind its ADMIN_TOKEN check.
 */
export function adminOwnerRoute(app: FastifyInstance): void {
  app.put<{ Params: { id: string } }>('/api/admin/rooms/:id/owner', async (req, reply) => {
    const ref = parseRoomId(req.params.id)
    if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
    if (ref.kind === 'dm') return fail(ErrorCode.BadRequest, 'a private chat has no owner')
    const userId = userIdField(jsonBody(req))
    const { store } = app
    if (!(await store.getRoom(ref.id))) return fail(ErrorCode.NotFound, 'no such room')
    if (!(await store.getUser(userId))) return fail(ErrorCode.NotFound, 'no such user')
    const now = Date.now()
    // The operator's choice wins over an earlier kick of that user.
    await store.setKickedUntil(ref.id, userId, null)
    await store.addMember(ref.id, userId, now)
    const prev = await store.setOwner(ref.id, userId, now)
    if (prev !== userId) {
      await store.audit({ actorId: null, action: 'owner.set', roomId: ref.id, targetId: userId, detail: { from: prev }, ts: now })
      await pushRoomInfo(app, ref.id)
    }
    return reply.code(204).send()
  })
}
