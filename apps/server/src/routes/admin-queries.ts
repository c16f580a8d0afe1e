import { ErrorCode, type Message, type RoomInfo, type User } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { queryInt } from '../lib/http'
import { roomInfo } from '../services/rooms'

/** v1.1 §G list pages: 30 by default, at most 100 (a larger `limit` is cut to 100). */
const DEFAULT_LIMIT = 30
const MAX_LIMIT = 100

type Query = Record<string, unknown>

function limitOf(q: Query): number {
  return Math.min(queryInt(q, 'limit', 1) ?? DEFAULT_LIMIT, MAX_LIMIT)
}

/** An optional text parameter of at most `max` characters. */
function text(q: Query, key: string, max = 200): string | undefined {
  const v = q[key]
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string' || v.length > max) return fail(ErrorCode.BadRequest, `${key} must be text of at most ${max} characters`)
  return v
}

export type AdminRoom = RoomInfo & { members: number; online: number; lastSeq: number; lastMessage: Message | null }

/**
 * The operator's views of v1.1 §G: rooms, users, the audit log and cluster totals.
 * Registered by routes/admin.ts inside its scope, so ADMIN_TOKEN guards all of them.
 */
export function adminQueryRoutes(app: FastifyInstance) {
  // Ordered by id; `after` is the last id of the previous page. `q` (an addition) filters
  // on id or title for the console's search.
  app.get('/api/admin/rooms', async (req) => {
    const q = req.query as Query
    const limit = limitOf(q)
    const page = await app.store.adminQueries.rooms({ after: text(q, 'after'), q: text(q, 'q'), limit })
    const rooms: AdminRoom[] = await Promise.all(
      page.rooms.map(async ({ room, members, lastMessage }) => ({
        ...roomInfo(room, await app.store.listAdmins(room.id)),
        members,
        online: (await app.presence.online(room.id)).length,
        lastSeq: room.lastSeq,
        lastMessage,
      })),
    )
    return { rooms, more: page.more }
  })

  // Name contains `q`, ignoring case; no `q` lists everyone (by name).
  app.get('/api/admin/users', async (req) => {
    const q = req.query as Query
    const users = await app.store.adminQueries.users({ q: text(q, 'q') ?? '', limit: limitOf(q) })
    return {
      users: users.map((u): User & { banned: boolean } => ({ id: u.id, name: u.name, avatar: u.avatar, banned: u.bannedAt !== null })),
    }
  })

  // Newest first; `before` is the last id of the previous page. `room` and `user` (the
  // actor or the target) are additions for the console's filters.
  app.get('/api/admin/audit', async (req) => {
    const q = req.query as Query
    const page = await app.store.adminQueries.audit({
      before: queryInt(q, 'before', 1),
      limit: limitOf(q),
      room: text(q, 'room'),
      user: text(q, 'user'),
    })
    return {
      entries: page.entries.map((e) => ({
        id: e.id,
        ts: e.ts,
        actor: e.actorId ?? 'operator',
        action: e.action,
        ...(e.roomId !== null ? { room: e.roomId } : {}),
        ...(e.targetId !== null ? { target: e.targetId } : {}),
      })),
      more: page.more,
    }
  })

  // Nodes and connections from every node's heartbeat; rooms and users from the store.
  // `messagesPerMinute` and `perNode` are additions for the console's overview.
  app.get('/api/admin/stats', async () => {
    const [nodes, counts] = await Promise.all([app.clusterStats.nodes(), app.store.adminQueries.counts()])
    return {
      nodes: nodes.length,
      connections: nodes.reduce((n, s) => n + s.connections, 0),
      rooms: counts.rooms,
      users: counts.users,
      messagesPerMinute: nodes.reduce((n, s) => n + s.messagesPerMinute, 0),
      perNode: nodes.map(({ node, connections, messagesPerMinute }) => ({ node, connections, messagesPerMinute })),
    }
  })
}
