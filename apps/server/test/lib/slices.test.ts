import { expect, it } from 'vitest'
import { SliceClock } from '../../src/lib/slices'

it('gives one slice a tick on time, and every missed slice (at most all) after a late tick', () => {
  const start = Date.now()
  const clock = new SliceClock(4, 100)
  expect([...clock.due(start + 10)]).toEqual([0])
  expect([...clock.due(start + 110)]).toEqual([1])
  expect([...clock.due(start + 150)]).toEqual([]) // nothing new due within the tick
  expect([...clock.due(start + 420)]).toEqual([2, 3, 0]) // three ticks late
  expect([...clock.due(start + 2000)].sort()).toEqual([0, 1, 2, 3]) // far behind: everything once
  expect([...clock.due(start + 2010)]).toEqual([])
})
