// ReadBatcher's scheduling over a stand-in that holds each batch until the test lets it
// return: what leaves together, what shares a slot, and that an error fails only its batch.
import { expect, it } from 'vitest'
import { ReadBatcher } from '../../src/store/read-batcher'

function harness(maxInFlight = 1) {
  const batches: Array<{ items: string[]; done: (fail?: Error) => void }> = []
  const b = new ReadBatcher<string, string>(
    (items) =>
      new Promise((resolve, reject) => {
        batches.push({ items, done: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `r:${i}`))) })
      }),
    (i) => i,
    maxInFlight,
  )
  return { b, batches }
}
const tick = () => new Promise((r) => setImmediate(r))

it('the first call goes at once; calls made meanwhile leave together, equal keys in one slot', async () => {
  const { b, batches } = harness()
  const first = b.call('a')
  await tick()
  expect(batches.map((x) => x.items)).toEqual([['a']])
  const later = [b.call('b'), b.call('c'), b.call('b'), b.call('a')]
  await tick()
  expect(batches).toHaveLength(1) // they wait for the batch in flight
  batches[0].done()
  expect(await first).toBe('r:a')
  await tick()
  expect(batches[1].items).toEqual(['b', 'c', 'a'])
  batches[1].done()
  expect(await Promise.all(later)).toEqual(['r:b', 'r:c', 'r:b', 'r:a'])
})

it('a failed batch rejects its own calls only; the next batch still runs', async () => {
  const { b, batches } = harness()
  const x = b.call('x')
  await tick()
  const y = b.call('y')
  batches[0].done(new Error('boom'))
  await expect(x).rejects.toThrow('boom')
  await tick()
  batches[1].done()
  expect(await y).toBe('r:y')
})
