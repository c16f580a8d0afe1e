import type { QuestionItem, QuestionsPage, QuestionState } from '@chat/protocol'
import { sql, type Kysely } from 'kysely'
import { MESSAGE_COLUMNS, toMessage } from './rows'
import type { DB } from './schema'

// §C: a room's questions, open or all, with the seqs of their answers. Both lookups ride
// the partial indexes of migration 0002 (questions by (room, seq), answers by (room,
// answer_to)); the kind is a literal so either planner can match the partial index.

type QuestionsQuery = { state: QuestionState; after?: number; limit: number }

/** The page's select (one extra row tells `more`); exported so tests can check its plan. */
export function questionsQuery(db: Kysely<DB>, room: string, q: QuestionsQuery) {
  let query = db
    .selectFrom('messages as m')
    .innerJoin('users as u', 'u.id', 'm.sender_id')
    .select(MESSAGE_COLUMNS)
    .where('m.room_id', '=', room)
    .where('m.kind', '=', sql.lit('question'))
    .where('m.seq', '>', q.after ?? 0)
  if (q.state === 'open') {
    query = query
      .where('m.recalled', '=', 0)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('messages as a')
              .select(sql.lit(1).as('one'))
              .where('a.room_id', '=', room)
              .whereRef('a.answer_to', '=', 'm.seq')
              .where('a.recalled', '=', 0),
          ),
        ),
      )
  }
  return query.orderBy('m.seq', 'asc').limit(q.limit + 1)
}

/** Answers of the given questions that are not recalled, by the answers index. */
export function answersQuery(db: Kysely<DB>, room: string, questionSeqs: number[]) {
  return (
    db
      .selectFrom('messages')
      .select(['answer_to', 'seq'])
      .where('room_id', '=', room)
      // Spelled out: SQLite matches the partial index by its WHERE, which IN alone does not imply.
      .where(sql<boolean>`answer_to is not null`)
      .where('answer_to', 'in', questionSeqs)
      .where('recalled', '=', 0)
  )
  // No ORDER BY: with one, SQLite's planner drops to a scan of the room's rows; sorted in JS.
}

export async function listQuestions(db: Kysely<DB>, room: string, q: QuestionsQuery): Promise<QuestionsPage> {
  const rows = await questionsQuery(db, room, q).execute()
  const more = rows.length > q.limit
  if (more) rows.pop()
  const answers = new Map<number, number[]>()
  // Open questions have no answers by definition; for `all`, one indexed read for the page.
  if (q.state === 'all' && rows.length > 0) {
    const found = (
      await answersQuery(
        db,
        room,
        rows.map((r) => r.seq),
      ).execute()
    ).sort((x, y) => x.seq - y.seq)
    for (const a of found) {
      const list = answers.get(Number(a.answer_to)) ?? []
      list.push(a.seq)
      answers.set(Number(a.answer_to), list)
    }
  }
  const questions: QuestionItem[] = rows.map((r) => ({ ...toMessage(room, r), answers: answers.get(r.seq) ?? [] }))
  return { questions, more }
}
