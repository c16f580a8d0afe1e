import { checkText, ErrorCode, GROUP_ROOM_PATTERN, Limits, parseRoomId, type RoomInfo, type RoomSummary, type User } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody } from '../lib/http'
import { randomId } from '../lib/ids'
import { enforce } from '../limits/enforce'
import { publicUser } from '../plugins/app/auth'
import { loadRoomInfo, newInviteCode, roomInfo } from '../services/rooms'
import questions from './questions'
import reads from './reads'
import roomSettings from './room-settings'

export default async function rooms(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))

  app.get('/api/me', async (req): Promise<User> => publicUser(req.user))

  app.get('/api/rooms', async (req): Promise<RoomSummary[]> => app.store.listRooms(req.user.id))

  /** §A: the caller owns the new room; a taken id is 409, no id gets a fresh unguessable one. */
  app.post('/api/rooms', async (req, reply) => {
    // Every field is optional: a POST with no body at all is a room with a generated id.
    const b = req.body === undefined || req.body === null ? {} : jsonBody(req)
    let id: string
    if (b.id === undefined) id = randomId('', Limits.generatedRoomIdLength)
    else if (typeof b.id === 'string' && GROUP_ROOM_PATTERN.test(b.id)) id = b.id
    else return fail(ErrorCode.BadRequest, 'id must match ^[A-Za-z0-9_-]{1,64}$')
    let title = id
    if (b.title !== undefined) {
      const t = checkText(b.title, 'title', Limits.titleMax)
      if (!t.ok) return fail(ErrorCode.BadRequest, t.message)
      title = t.value
    }
    if (b.access !== undefined && b.access !== 'open' && b.access !== 'invite')
      return fail(ErrorCode.BadRequest, 'access must be "open" or "invite"')
    const access = b.access === 'invite' ? 'invite' : 'open'
    // v1.1 §H's creation budget counts well-formed attempts (a taken id included), not 400s.
    const l = app.config.limits
    await enforce(
      app,
      'room_create',
      `roomc:${req.user.id}`,
      l.roomCreatesPerWindow,
      l.roomCreateWindowMs,
      'too many rooms created, try again later',
    )
    const now = Date.now()
    const room = await app.store.createRoom({
      id,
      title: app.contentFilter.clean(title),
      kind: 'group',
      ownerId: req.user.id,
      ts: now,
      access,
      inviteCode: access === 'invite' ? newInviteCode() : null,
    })
    if (!room) return fail(ErrorCode.Conflict, `room ${id} already exists; join it instead`)
    await app.store.addMember(id, req.user.id, now)
    await app.store.audit({
      actorId: req.user.id,
      action: 'room.create',
      roomId: id,
      targetId: null,
      detail: { title: room.title, access },
      ts: now,
    })
    // The RoomSummary fields v1's reply had stay, after the RoomInfo.
    return reply.code(201).send({ ...roomInfo(room, []), lastSeq: 0, unread: 0, lastMessage: null } satisfies RoomInfo & RoomSummary)
  })

  /** §A: open group rooms to anyone signed in; invite rooms and dms to members (and hosts) only. */
  app.get<{ Params: { id: string } }>('/api/rooms/:id', async (req): Promise<RoomInfo> => {
    const ref = parseRoomId(req.params.id)
    if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
    const info = await loadRoomInfo(app.store, ref.id, (r) => app.reactions.live(r))
    if (!info) return fail(ErrorCode.NotFound, 'no such room')
    if (info.kind === 'dm' || info.access === 'invite') {
      const me = req.user.id
      const allowed = info.owner === me || info.admins.includes(me) || (await app.store.getMember(ref.id, me)) !== null
      if (!allowed) return fail(ErrorCode.Forbidden, 'only members see this room')
    }
    return info
  })

  app.get<{ Params: { id: string } }>('/api/rooms/:id/online', async (req): Promise<User[]> => {
    const ref = parseRoomId(req.params.id)
    if (!ref) return fail(ErrorCode.BadRequest, 'malformed room id')
    if (ref.kind === 'dm' && !ref.users.includes(req.user.id)) return fail(ErrorCode.Forbidden, 'a private chat is only for its two users')
    if (!(await app.store.getRoom(ref.id))) return fail(ErrorCode.NotFound, 'no such room')
    // Redis unreachable: say so (503), rather than a 500 or a list of this node's users only.
    return app.presence.online(ref.id).catch(() => fail(ErrorCode.Unavailable, 'presence is unavailable, try again'))
  })

  // Children share this plugin's auth hook.
  await app.register(roomSettings)
  await app.register(questions)
  await app.register(reads)
}
