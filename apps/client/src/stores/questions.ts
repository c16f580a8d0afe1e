// The 问答 sheet's data: a host sees the room's open questions (oldest first) and answers
// them inline; a viewer sees their own questions, answered or not. Loaded over HTTP
// (`GET /api/rooms/:id/questions`), kept current by the room's message and recall frames.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { Limits, type QuestionItem, type ServerFrame } from '@chat/protocol'
import { useConnectionStore } from './connection'
import { useMessagesStore } from './messages'
import { useSessionStore } from './session'

export type QuestionsMode = 'host' | 'mine'

interface RoomQuestions {
  mode: QuestionsMode
  items: QuestionItem[]
  more: boolean
  /** Cursor for the next page: the last seq the server listed. */
  after: number
  loading: boolean
  error: string
}

export interface QuestionRow {
  item: QuestionItem
  answered: boolean
  /** Seq of an answer to jump to, 0 if none is known. */
  answerSeq: number
}

/** A viewer's own questions are a filter over `state=all`: read at most this many pages per tap. */
const MINE_PAGES = 5

export const useQuestionsStore = defineStore('questions', () => {
  const session = useSessionStore()
  const messages = useMessagesStore()
  const { conn } = useConnectionStore()
  const byRoom = reactive<Record<string, RoomQuestions>>({})
  const me = () => session.user?.id ?? ''

  async function fetchPages(room: string, q: RoomQuestions, pages: number): Promise<void> {
    q.loading = true
    q.error = ''
    try {
      for (let i = 0; i < pages; i++) {
        const page = await session.api.questions(room, {
          state: q.mode === 'host' ? 'open' : 'all',
          after: q.after,
          limit: Limits.questionsMax,
        })
        const seen = new Set(q.items.map((x) => x.seq))
        const fresh = page.questions.filter((x) => !seen.has(x.seq) && (q.mode === 'host' || x.from.id === me()))
        q.items.push(...fresh)
        q.after = page.questions.length ? page.questions[page.questions.length - 1].seq : q.after
        q.more = page.more && page.questions.length > 0
        if (!q.more || (q.mode === 'host' && fresh.length)) break
      }
    } catch (e) {
      q.error = (e as { code?: string }).code ?? 'network'
    } finally {
      q.loading = false
    }
  }

  /** (Re)loads the sheet's list from the start. */
  function load(room: string, mode: QuestionsMode): Promise<void> {
    byRoom[room] = { mode, items: [], more: false, after: 0, loading: false, error: '' }
    return fetchPages(room, byRoom[room], mode === 'host' ? 1 : MINE_PAGES)
  }

  function loadMore(room: string): Promise<void> {
    const q = byRoom[room]
    if (!q?.more || q.loading) return Promise.resolve()
    return fetchPages(room, q, q.mode === 'host' ? 1 : MINE_PAGES)
  }

  /** What the sheet shows: answered is known from the list and from answers seen live. */
  function rows(room: string): QuestionRow[] {
    const q = byRoom[room]
    if (!q) return []
    void messages.versions[room]
    const live = messages.timeline(room)?.answers
    const out = q.items.map((item) => {
      const seen = live?.get(item.seq)
      const answerSeq = seen && !seen.recalled ? seen.seq : (item.answers[0] ?? 0)
      return { item, answered: answerSeq > 0 || item.answers.length > 0, answerSeq }
    })
    // A host's list is the open questions: one answered here leaves it.
    return q.mode === 'host' ? out.filter((r) => !r.answered && !r.item.recalled) : out
  }

  /** Sends an answer message to question `seq` (the host's inline box). */
  function answer(room: string, seq: number, text: string) {
    return messages.send(room, 'answer', { question: seq, text })
  }

  conn.on('frame', (f: ServerFrame) => {
    if (f.type === 'message') {
      const q = byRoom[f.room]
      const m = f.msg
      if (!q) return
      // While more pages wait, the last of them will list a new question.
      const listed = !q.loading && !q.more
      if (listed && m.kind === 'question' && (q.mode === 'host' || m.from.id === me()) && !q.items.some((x) => x.seq === m.seq)) {
        q.items.push({ ...m, answers: [] })
      }
      if (m.kind === 'answer') {
        const target = q.items.find((x) => x.seq === (m.body as { question?: number }).question)
        if (target && !target.answers.includes(m.seq)) target.answers.push(m.seq)
      }
    }
    if (f.type === 'recalled') {
      const q = byRoom[f.room]
      const item = q?.items.find((x) => x.seq === f.seq)
      if (item) item.recalled = true
      for (const x of q?.items ?? []) x.answers = x.answers.filter((s) => s !== f.seq)
    }
  })

  return { byRoom, load, loadMore, rows, answer }
})
