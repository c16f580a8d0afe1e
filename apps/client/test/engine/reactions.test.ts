import { describe, expect, it } from 'vitest'
import type { User } from '@chat/protocol'
import {
  HOLD_MS,
  MAX_SPRITES,
  makeSprites,
  ReactionBurst,
  ReactionCounter,
  reactionLine,
  spriteCount,
  type LineWords,
} from '../../src/engine/reactions'

const u = (id: string, name = id): User => ({ id, name, avatar: null })
const zh: LineWords = {
  sep: '、',
  you: '我',
  few: (k, names) => `${names} ${k === 'like' ? '点了赞' : k === 'flower' ? '送了花' : '点赞送花'}`,
  many: (k, names, n) => `${names} 等 ${n} 人${k === 'like' ? '点了赞' : k === 'flower' ? '送了花' : '点赞送花'}`,
}

describe('spriteCount', () => {
  it('one sprite per tap for a few, fewer per tap for many, never above the cap', () => {
    expect([0, -3, NaN, 1, 2, 4].map((d) => spriteCount(d))).toEqual([0, 0, 0, 1, 2, 4])
    expect(spriteCount(8)).toBe(6)
    expect(spriteCount(16)).toBe(8)
    expect(spriteCount(38)).toBeGreaterThan(spriteCount(16))
    expect(spriteCount(1000)).toBe(MAX_SPRITES)
    expect(spriteCount(1_000_000)).toBe(MAX_SPRITES)
    expect(spriteCount(50, 5)).toBe(5)
    // Never decreasing as the delta grows.
    for (let d = 1; d < 300; d++) expect(spriteCount(d + 1)).toBeGreaterThanOrEqual(spriteCount(d))
  })
})

describe('makeSprites', () => {
  it('splits the budget between likes and flowers and stays within what is left', () => {
    const s = makeSprites({ likes: 3, flowers: 2 }, 0, 1)
    expect(s.map((x) => x.kind)).toEqual(['like', 'flower', 'like', 'flower', 'like'])
    expect(s.map((x) => x.id)).toEqual([1, 2, 3, 4, 5])
    // Likes rise over 点赞, flowers over 送花 (30 %).
    for (const x of s) expect(Math.abs(x.x - (x.kind === 'like' ? 13 : 30))).toBeLessThanOrEqual(6)
    expect(makeSprites({ likes: 1000, flowers: 1000 }, 0, 1)).toHaveLength(MAX_SPRITES)
    expect(makeSprites({ likes: 1000, flowers: 0 }, 9, 1)).toHaveLength(3)
    // A like storm leaves room for the flowers that came with it.
    expect(
      makeSprites({ likes: 1000, flowers: 2 }, 6, 1)
        .map((x) => x.kind)
        .sort(),
    ).toEqual(['flower', 'flower', 'like', 'like', 'like', 'like'])
    expect(makeSprites({ likes: 5, flowers: 5 }, MAX_SPRITES, 1)).toEqual([])
    expect(makeSprites({ likes: -2, flowers: 0 }, 0, 1)).toEqual([])
    // A stream, not a block: later ones wait longer.
    const d = makeSprites({ likes: 4, flowers: 0 }, 0, 1).map((x) => x.delay)
    expect(d).toEqual([...d].sort((a, b) => a - b))
    expect(d[3]).toBeGreaterThan(d[0])
  })
})

describe('ReactionCounter', () => {
  it('starts from the server, reports rises, and shows my taps at once until merged', () => {
    const c = new ReactionCounter()
    expect(c.shown(0)).toBeNull()
    expect(c.setServer({ likes: 10, flowers: 4 })).toBeNull()
    c.tap('like', 1, 1000)
    c.tap('like', 1, 1100)
    c.tap('flower', 5, 1200)
    expect(c.shown(1300)).toEqual({ likes: 12, flowers: 9 })
    // A push that has not merged my taps yet does not take them back…
    expect(c.setServer({ likes: 11, flowers: 4 })).toEqual({ likes: 1, flowers: 0 })
    expect(c.shown(1400)).toEqual({ likes: 12, flowers: 9 })
    // …one that has (and more from others) wins.
    c.setServer({ likes: 20, flowers: 9 })
    expect(c.shown(1500)).toEqual({ likes: 20, flowers: 9 })
    // My next tap counts on top of what is shown.
    c.tap('like', 1, 1600)
    expect(c.shown(1600)).toEqual({ likes: 21, flowers: 9 })
    // After the hold the server's word is final (a recall may have lowered it).
    c.setServer({ likes: 19, flowers: 9 })
    expect(c.shown(1600 + HOLD_MS - 1)).toEqual({ likes: 21, flowers: 9 })
    expect(c.shown(1600 + HOLD_MS)).toEqual({ likes: 19, flowers: 9 })
    expect(c.holdEnds()).toBe(1600 + HOLD_MS)
  })

  it('a refused tap stops counting', () => {
    const c = new ReactionCounter()
    c.setServer({ likes: 0, flowers: 0 })
    c.tap('flower', 10, 0)
    c.tap('like', 1, 0)
    c.undo('flower', 10)
    expect(c.shown(1)).toEqual({ likes: 1, flowers: 0 })
    c.undo('like', 1)
    expect(c.shown(1)).toEqual({ likes: 0, flowers: 0 })
  })
})

describe('reactionLine', () => {
  it('names a few, newest first, distinct, then "等 N 人"', () => {
    const b = new ReactionBurst()
    b.add([u('a', '小明'), u('b', '小红')], { likes: 3, flowers: 0 })
    expect(reactionLine(b, 'me', zh)).toBe('小明、小红 点了赞')
    b.add([u('c', '小刚'), u('a', '小明'), u('d', '小丽')], { likes: 38, flowers: 0 })
    // The newest push's users first, in its order; 小明 once.
    expect(b.users.map((x) => x.id)).toEqual(['c', 'a', 'd', 'b'])
    expect(reactionLine(b, 'me', zh)).toBe('小刚、小明、小丽 等 4 人点了赞')
    b.add([u('me', 'Alice')], { likes: 0, flowers: 2 })
    expect(reactionLine(b, 'me', zh)).toBe('我、小刚、小明 等 5 人点赞送花')
  })

  it('flowers only, and nothing to say without names or a rise', () => {
    const b = new ReactionBurst()
    b.add([u('x', 'Bob')], { likes: 0, flowers: 3 })
    expect(reactionLine(b, 'me', zh)).toBe('Bob 送了花')
    const empty = new ReactionBurst()
    empty.add([], { likes: 5, flowers: 0 })
    expect(reactionLine(empty, 'me', zh)).toBe('')
    const fell = new ReactionBurst()
    fell.add([u('x')], { likes: -1, flowers: 0 })
    expect(reactionLine(fell, 'me', zh)).toBe('')
  })
})
