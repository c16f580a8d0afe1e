import { checkBody, ErrorCode, isCid, Limits, type HistoryPage, type MessageKind, type SendResult } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { authed, jsonBody, queryInt } from '../lib/http'
import { assertDmOpen } from '../services/dm-policy'
import { sendMessage } from '../services/messages'
import { fitPage } from '../services/page-cut'
import { requireMember } from '../services/rooms'

type RoomParams = { Params: { id: string }; Querystring: Record<string, string> }

export default async function messages(app: FastifyInstance) {
  app.addHook('preHandler', authed(app))

  app.get<RoomParams>('/api/rooms/:id/messages', async (req): Promise<HistoryPage> => {
    const q = req.query
    const limit = queryInt(q, 'limit', 1, Limits.historyMax) ?? Limits.historyDefault
    const before = queryInt(q, 'before', 0)
    const after = queryInt(q, 'after', 0)
    if (before !== undefined && after !== undefined) fail(ErrorCode.BadRequest, 'give before or after, not both')
    await requireMember(app.store, req.params.id, req.user.id)
    const page = await app.store.getMessages(req.params.id, { before, after, limit })
    // Under 1 MiB of JSON, keeping the messages nearest the cursor (see services/page-cut.ts).
    return fitPage({}, page, after !== undefined ? 'oldest' : 'newest')
  })

  /** The socket's send over HTTP, for bots and integrations: same checks, same dedupe key. */
  app.post<RoomParams>('/api/rooms/:id/messages', async (req): Promise<SendResult> => {
    const b = jsonBody(req)
    if (!isCid(b.cid)) fail(ErrorCode.BadRequest, 'cid must be 8–64 characters of [A-Za-z0-9_-]')
    const body = checkBody(b.kind, b.body)
    if (!body.ok) return fail(ErrorCode.BadRequest, body.message)
    // Before the membership check: a dm that may not open is `forbidden`, existing or not.
    await assertDmOpen(app.store, req.params.id, req.user.id)
    const { member } = await requireMember(app.store, req.params.id, req.user.id)
    const input = { room: req.params.id, cid: b.cid as string, kind: body.value.kind as MessageKind, body: body.value.body }
    let result: SendResult | undefined
    await sendMessage(app.chatDeps, req.user, member, input, (m) => {
      result = { room: m.room, cid: m.cid, seq: m.seq, ts: m.ts }
    })
    return result as SendResult
  })
}
