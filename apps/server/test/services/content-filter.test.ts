import { describe, expect, it } from 'vitest'
import { createContentFilter } from '../../src/services/content-filter'

describe('content filter', () => {
  const f = createContentFilter(['坏人', 'bad', 'badword', '😈x'])
  it('masks every character of each match, case-insensitively, overlaps included', () => {
    expect(f.clean('你是坏人吗')).toBe('你是**吗')
    expect(f.clean('BAD and Badword')).toBe('*** and *******')
    expect(f.clean('坏坏人人')).toBe('坏**人')
  })
  it('counts astral characters as one', () => {
    expect(f.clean('a😈xb')).toBe('a**b')
  })
  it('leaves clean text alone and reports matches', () => {
    expect(f.clean('你好')).toBe('你好')
    expect(f.matches('你好')).toBe(false)
    expect(f.matches('so bad')).toBe(true)
  })
  it('is a no-op without words', () => {
    expect(createContentFilter([]).clean('坏人')).toBe('坏人')
  })
})
