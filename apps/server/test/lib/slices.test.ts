import { expect, it } from 'vitest'
import { SliceClock, SlicedKeys } from '../../src/lib/slices'

it('gives one slice a tick on time, and every missed slice (at most all) after a late tick', () => {
  // The clock's own start is given: a millisecond between two Date.now() calls shifted every tick.
  const start = Date.now()
  const clock = new SliceClock(4, 100, start)
  expect([...clock.due(start + 10)]).toEqual([0])
  expect([...clock.due(start + 110)]).toEqual([1])
  expect([...clock.due(start + 150)]).toEqual([]) // nothing new due within the tick
  expect([...clock.due(start + 420)]).toEqual([2, 3, 0]) // three ticks late
  expect([...clock.due(start + 2000)].sort()).toEqual([0, 1, 2, 3]) // far behind: everything once
  expect([...clock.due(start + 2010)]).toEqual([])
})

it('gives an item the same slice on every call, whatever else is swept, and spreads items over all slices', () => {
  const clock = new SliceClock(10, 100)
  const ids = Array.from({ length: 1000 }, (_, i) => `c_${i.toString(36).padStart(12, 'x')}`)
  const first = ids.map((id) => clock.sliceOf(id))
  clock.due()
  expect(ids.map((id) => clock.sliceOf(id))).toEqual(first)
  const counts = new Array(10).fill(0)
  for (const s of first) counts[s]++
  for (const n of counts) expect(n).toBeGreaterThan(50) // 100 each on average
  expect(first.every((s) => Number.isInteger(s) && s >= 0 && s < 10)).toBe(true)
})

it('lists exactly the keys of the slices asked for, and forgets deleted ones', () => {
  const clock = new SliceClock(10, 100, 0)
  const keys = new SlicedKeys(clock)
  const all = Array.from({ length: 200 }, (_, i) => `u:${i}`)
  for (const k of all) keys.add(k)
  keys.delete('u:7')
  for (const slices of [[0], [3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const want = all.filter((k) => k !== 'u:7' && slices.includes(clock.sliceOf(k))).sort()
    expect([...keys.in(slices)].sort()).toEqual(want)
  }
})
