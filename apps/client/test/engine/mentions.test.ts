import { describe, expect, it } from 'vitest'
import type { Message, User } from '@chat/protocol'
import { insertMention, mentionCandidates, mentionIds, mentionQuery, mentionsMe } from '../../src/engine/mentions'

const u = (id: string, name: string): User => ({ id, name, avatar: null })
const li = u('u_li', '小李')
const wang = u('u_wang', '王老师')
const me = u('u_me', '我自己')
const msg = (from: User, seq: number): Message =>
  ({ room: 'r', seq, cid: `c${seq}xxxxxx`, kind: 'text', body: { text: 'x' }, from, ts: seq }) as Message

describe('mentions', () => {
  it('mentionQuery reads the name typed after a trailing @', () => {
    expect(mentionQuery('hi @')).toBe('')
    expect(mentionQuery('hi @小')).toBe('小')
    expect(mentionQuery('hi @小李 ')).toBeNull()
    expect(mentionQuery('no at')).toBeNull()
  })

  it('insertMention replaces the trailing @query with @name and a space', () => {
    expect(insertMention('老师 @', wang)).toBe('老师 @王老师 ')
    expect(insertMention('老师 @王', wang)).toBe('老师 @王老师 ')
    expect(insertMention('plain', wang)).toBe('plain@王老师 ')
  })

  it('mentionIds keeps picked users still named in the text, in order, without me or repeats, at most 20', () => {
    expect(mentionIds('@王老师 @小李 看这里', [li, wang, li])).toEqual(['u_li', 'u_wang'])
    expect(mentionIds('@王老师 看这里', [li, wang])).toEqual(['u_wang']) // 小李's name was deleted
    expect(mentionIds('@我自己', [me], me.id)).toEqual([])
    const many = Array.from({ length: 25 }, (_, i) => u(`u_${i}`, `n${i}x`))
    expect(mentionIds(many.map((x) => '@' + x.name).join(' '), many)).toHaveLength(20)
  })

  it('candidates: online first, then senders newest first, not me, filtered by name', () => {
    const msgs = [msg(wang, 1), msg(me, 2), msg(li, 3)]
    expect(mentionCandidates([wang], msgs, me.id).map((x) => x.id)).toEqual(['u_wang', 'u_li'])
    expect(mentionCandidates([], msgs, me.id, '李').map((x) => x.id)).toEqual(['u_li'])
  })

  it('mentionsMe looks at the body', () => {
    expect(mentionsMe({ text: 'x', mentions: ['u_me'] }, 'u_me')).toBe(true)
    expect(mentionsMe({ text: 'x', mentions: ['u_li'] }, 'u_me')).toBe(false)
    expect(mentionsMe({ text: 'x' }, 'u_me')).toBe(false)
  })
})
