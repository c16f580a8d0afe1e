import type { ReadMarks } from '@chat/protocol'
import type { FastifyInstance } from 'fastify'
import { requireMember } from '../services/rooms'

/** Past this many, a room is a lecture hall: its clients show no read counts at all. */
const READ_MARKS_MAX = 100

/**
 * An addition to the contract: members' read marks, the snapshot the `read` pushes lack.
 * Without it a reloaded page (or one opened after the other user read the dm) showed no
 * 已读 until the next mark rose. Members only, as for the pushes. Registered inside routes/rooms.
 */
export default async function reads(app: FastifyInstance) {
  app.get<{ Params: { id: string } }>('/api/rooms/:id/reads', async (req): Promise<ReadMarks> => {
    await requireMember(app.store, req.params.id, req.user.id)
    const marks = await app.store.readMarks(req.params.id, READ_MARKS_MAX + 1)
    return { reads: marks.filter((m) => m.user !== req.user.id).slice(0, READ_MARKS_MAX) }
  })
}
