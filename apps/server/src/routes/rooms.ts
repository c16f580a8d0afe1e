import { checkText, ErrorCode, GROUP_ROOM_PATTERN, parseRoomId } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody } from '../lib/http'
import { randomId } from '../lib/ids'
import { publicUser } from '../plugins/app/auth'

export default async function rooms(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))

  app.get('/api/me', async (req) => publicUser(req.user))

  app.get('/api/rooms', async (req) => app.store.listRooms(req.user.id))

  app.post('/api/rooms', async (req, reply) => {
    const b = jsonBody(req)
    let id: string
    if (b.id === undefined) id = randomId('r_', 12)
    else if (typeof b.id === 'string' && GROUP_ROOM_PATTERN.test(b.id)) id = b.id
    else return fail(ErrorCode.BadRequest, 'id must match ^[A-Za-z0-9_-]{1,64}$')
    let title = id
    if (b.title !== undefined) {
      const t = checkText(b.title, 'title', 64)
      if (!t.ok) return fail(ErrorCode.BadRequest, t.message)
      title = t.value
    }
    const now = Date.now()
    const room = await app.store.createRoom({ id, title: app.contentFilter.clean(title), kind: 'group', ownerId: req.user.id, ts: now })
    if (!room) return fail(ErrorCode.BadRequest, `room ${id} already exists; join it instead`)
    await app.store.addMember(id, req.user.id, 'owner', now)
    await app.store.audit({ actorId: req.user.id, action: 'room.create', roomId: id, targetId: null, detail: { title: room.title }, ts: now })
    return reply.code(201).send({ id: room.id, title: room.title, kind: room.kind, owner: room.ownerId, lastSeq: 0, unread: 0, lastMessage: null })
  })

  app.get<{ Params: { id: string } }>('/api/rooms/:id/online', async (req) => {
    const ref = parseRoomId(req.params.id)
    if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
    if (ref.kind === 'dm' && !ref.users.includes(req.user.id)) return fail(ErrorCode.Forbidden, 'a private chat is only for its two users')
    if (!(await app.store.getRoom(ref.id))) return fail(ErrorCode.NotFound, 'no such room')
    // Redis unreachable: say so (503), rather than a 500 or a list of this node's users only.
    return app.presence.online(ref.id).catch(() => fail(ErrorCode.Unavailable, 'presence is unavailable, try again'))
  })
}
