import { describe, expect, it } from 'vitest'
import type { Message } from '@chat/protocol'
import { formatSeparator, toViewItems, type ViewContext } from '../../src/engine/chat-view'

const alice = { id: 'u_alice', name: 'Alice', avatar: '/uploads/a.png' }
const bob = { id: 'u_bob', name: '鲍勃', avatar: null }
const labels = { yesterday: '昨天', date: (m: number, d: number) => `${m}月${d}日` }
const now = new Date(2026, 10, 25, 15, 0).getTime()
const m = (seq: number, over: Partial<Message> = {}): Message => ({
  room: 'r',
  seq,
  cid: `c${seq}xxxxxxx`,
  from: bob,
  kind: 'text',
  body: { text: `t${seq}` },
  ts: now - 3600_000 + seq * 1000,
  ...over,
})

function ctx(msgs: Message[], answers = new Map<number, Message>()): ViewContext {
  const by = new Map(msgs.map((x) => [x.seq, x]))
  return { me: 'u_alice', now, asset: (u) => 'http://s' + u, answers, lookup: (s) => by.get(s), labels }
}

describe('chat view', () => {
  it('formats separators relative to today', () => {
    expect(formatSeparator(new Date(2026, 10, 25, 9, 5).getTime(), now, labels)).toBe('09:05')
    expect(formatSeparator(new Date(2026, 10, 24, 23, 59).getTime(), now, labels)).toBe('昨天 23:59')
    expect(formatSeparator(new Date(2026, 2, 2, 8, 0).getTime(), now, labels)).toBe('3月2日 08:00')
  })

  it('puts a separator on the first message and after a 5-minute pause only', () => {
    const msgs = [m(1), m(2), m(3, { ts: m(2).ts + 6 * 60_000 })]
    const items = toViewItems(msgs, [], ctx(msgs))
    expect(items.map((i) => i.sep !== '')).toEqual([true, false, true])
  })

  it('marks mine, makes asset urls absolute, and takes an initial for avatar-less users', () => {
    const msgs = [m(1, { from: alice, kind: 'image', body: { url: '/uploads/x.png', width: 10, height: 10 } }), m(2)]
    const [a, b] = toViewItems(msgs, [], ctx(msgs))
    expect(a).toMatchObject({ mine: true, url: 'http://s/uploads/x.png', avatar: 'http://s/uploads/a.png' })
    expect(b).toMatchObject({ mine: false, avatar: '', initial: '鲍', text: 't2' })
  })

  it('keys by sender+cid so the optimistic entry and the stored message are one row', () => {
    const pending = {
      room: 'r',
      cid: 'c9xxxxxxx',
      kind: 'text' as const,
      body: { text: 'hi' },
      from: alice,
      ts: now,
      status: 'sending' as const,
    }
    const [p] = toViewItems([], [pending], ctx([]))
    const stored = m(9, { from: alice, cid: 'c9xxxxxxx' })
    const [s] = toViewItems([stored], [], ctx([stored]))
    expect(p.key).toBe(s.key)
    expect(p.status).toBe('sending')
    expect(s.status).toBe('')
  })

  it('shows a question with its answer and an answer with its question', () => {
    const q = m(1, { kind: 'question', body: { text: '几点下课?' } })
    const a = m(2, { kind: 'answer', from: alice, body: { question: 1, text: '五点' } })
    const [qi, ai] = toViewItems([q, a], [], ctx([q, a], new Map([[1, a]])))
    expect(qi.quote).toBe('五点')
    expect(ai.quote).toBe('几点下课?')
  })

  it('a recalled message has no text', () => {
    const r = m(1, { recalled: true, body: {} })
    expect(toViewItems([r], [], ctx([r]))[0]).toMatchObject({ recalled: true, text: '' })
  })

  it("gives an answered question its answer's seq (to scroll to it), none once the answer is recalled", () => {
    const q = m(1, { kind: 'question', body: { text: '考哪几章？' } })
    const a = m(2, { from: alice, kind: 'answer', body: { question: 1, text: '一到五章' } })
    const [item] = toViewItems([q, a], [], ctx([q, a], new Map([[1, a]])))
    expect([item.answerSeq, item.quote]).toEqual([2, '一到五章'])
    const gone = { ...a, recalled: true as const, body: {} }
    expect(toViewItems([q, gone], [], ctx([q, gone], new Map([[1, gone]])))[0].answerSeq).toBe(0)
    expect(toViewItems([q], [], ctx([q]))[0].answerSeq).toBe(0)
  })
})
