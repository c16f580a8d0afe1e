import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Message, QuestionItem } from '@chat/protocol'
import type { HttpRequest } from '../../src/engine/types'
import { useQuestionsStore } from '../../src/stores/questions'
import { alice, advance, bob, bootStores } from '../support/store-setup'

const carol = { id: 'u_carol', name: 'Carol', avatar: null }
const q = (seq: number, from = bob, answers: number[] = []): QuestionItem => ({
  room: 'class',
  seq,
  cid: 'cid' + seq + 'xxxxxx',
  from,
  kind: 'question',
  body: { text: `问题 ${seq}` },
  ts: seq,
  answers,
})

/** Alice in room `class`; `/questions` answers from `pages` (one per call, in order). */
async function setup(pages: Array<{ questions: QuestionItem[]; more: boolean }>) {
  const calls: HttpRequest[] = []
  const env = bootStores({
    http: async (req) => {
      calls.push(req)
      if (req.url.includes('/questions')) return { status: 200, data: pages.shift() ?? { questions: [], more: false } }
      return { status: 200, data: alice }
    },
  })
  await advance(1)
  await env.messages.join('class')
  return {
    ...env,
    questions: useQuestionsStore(),
    calls: () => calls.filter((c) => c.url.includes('/questions')).map((c) => new URL(c.url).search),
  }
}

describe('questions store', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('a host sees the open questions; answering one (an answer message) takes it off the list', async () => {
    const env = await setup([{ questions: [q(1), q(3, carol)], more: false }])
    await env.questions.load('class', 'host')
    expect(env.calls()).toEqual(['?state=open&limit=100'])
    expect(env.questions.rows('class').map((r) => r.item.seq)).toEqual([1, 3])
    // The questions are in the room too (so the answer can be matched to them).
    env.server.store('class', bob, 'question', { text: '问题 1' })
    const r = env.questions.answer('class', 1, '下周五')
    expect(r.ok).toBe(true)
    await advance(1)
    const answer = env.server.rooms.get('class')!.messages.at(-1) as Message
    expect(answer).toMatchObject({ kind: 'answer', body: { question: 1, text: '下周五' }, from: { id: alice.id } })
    expect(env.questions.rows('class').map((r) => r.item.seq)).toEqual([3])
  })

  it('a new question arriving live joins the open list', async () => {
    const env = await setup([{ questions: [], more: false }])
    await env.questions.load('class', 'host')
    expect(env.questions.rows('class')).toEqual([])
    const m = env.server.store('class', carol, 'question', { text: '还有作业吗？' })
    env.server.last.push({ type: 'message', room: 'class', msg: m })
    expect(env.questions.rows('class').map((r) => [r.item.seq, r.answered])).toEqual([[m.seq, false]])
  })

  it('a viewer sees only their own questions, over several pages, answered or not', async () => {
    const env = await setup([
      { questions: [q(1, bob), q(2, alice, [5])], more: true },
      { questions: [q(7, carol), q(9, alice)], more: false },
    ])
    await env.questions.load('class', 'mine')
    expect(env.calls()).toEqual(['?state=all&limit=100', '?state=all&after=2&limit=100'])
    expect(env.questions.rows('class').map((r) => [r.item.seq, r.answered, r.answerSeq])).toEqual([
      [2, true, 5],
      [9, false, 0],
    ])
    // Answered live: the viewer's list says so at once.
    const answer = {
      room: 'class',
      seq: 10,
      cid: 'ans10xxxxx',
      from: bob,
      kind: 'answer',
      body: { question: 9, text: '是的' },
      ts: 10,
    } as Message
    env.server.last.push({ type: 'message', room: 'class', msg: answer })
    expect(env.questions.rows('class').map((r) => [r.item.seq, r.answered])).toEqual([
      [2, true],
      [9, true],
    ])
  })

  it('a failed load says why instead of showing an empty list', async () => {
    const env = bootStores({ http: async () => ({ status: 403, data: { error: 'not_joined', message: 'join first' } }) })
    await advance(1)
    const questions = useQuestionsStore()
    await questions.load('class', 'host')
    expect(questions.byRoom.class.error).toBe('not_joined')
    expect(questions.rows('class')).toEqual([])
    void env
  })
})
