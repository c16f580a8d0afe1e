import { ErrorCode, Limits, QuestionState, type QuestionsPage } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { fail } from '../lib/errors'
import { queryInt } from '../lib/http'
import { requireMember } from '../services/rooms'

type Q = { Params: { id: string }; Querystring: Record<string, string> }

/** v1.1 §C: a room's questions (open or all), ascending, for its members. Registered inside routes/rooms. */
export default async function questions(app: FastifyInstance) {
  app.get<Q>('/api/rooms/:id/questions', async (req): Promise<QuestionsPage> => {
    const q = req.query
    const state = q.state ?? QuestionState.Open
    if (state !== QuestionState.Open && state !== QuestionState.All) return fail(ErrorCode.BadRequest, 'state must be "open" or "all"')
    const limit = queryInt(q, 'limit', 1, Limits.questionsMax) ?? Limits.questionsDefault
    const after = queryInt(q, 'after', 0)
    await requireMember(app.store, req.params.id, req.user.id)
    return app.store.listQuestions(req.params.id, { state, after, limit })
  })
}
