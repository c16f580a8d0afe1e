// The group commit's scheduling, over a database stand-in that holds each batch until the
// test commits it: what leaves together, what waits, and in which order seqs are taken.
// (The batch statement itself is covered by the store contract on real Postgres.)
import { expect, it } from 'vitest'
import { AppendBatcher, type BatchRow } from '../../src/store/append-batcher'
import type { NewMessage } from '../../src/store/types'

function harness(maxInFlight = 4) {
  const batches: Array<{ rows: NewMessage[]; commit: () => void }> = []
  const seqs = new Map<string, number>()
  const batcher = new AppendBatcher(
    {
      appendBatch: (rows) =>
        new Promise<BatchRow[]>((resolve) => {
          batches.push({
            rows,
            commit: () =>
              resolve(
                rows.map((r) => {
                  const seq = (seqs.get(r.room) ?? 0) + 1
                  seqs.set(r.room, seq)
                  return { seq, name: 'U', avatar: null, userFound: true }
                }),
              ),
          })
        }),
      appendOne: () => Promise.reject(new Error('not used')),
      findByCid: async () => null,
      isRetryable: () => false,
    },
    maxInFlight,
  )
  let n = 0
  const append = (room: string) =>
    batcher.append({ room, senderId: 'u1', cid: `cid-${++n}-xxxx`, kind: 'text', body: { text: `${n}` }, ts: n })
  return { batches, append }
}

const tick = () => new Promise((r) => setImmediate(r))

it("a room's appends wait while its batch is in flight, then leave together in arrival order", async () => {
  const { batches, append } = harness()
  const first = append('hot')
  await tick()
  expect(batches).toHaveLength(1)
  const more = [append('hot'), append('hot'), append('hot')]
  await tick()
  expect(batches).toHaveLength(1) // nothing more for that room until its commit
  batches[0].commit()
  expect((await first).message.seq).toBe(1)
  await tick()
  expect(batches).toHaveLength(2)
  expect(batches[1].rows.map((r) => r.body)).toEqual([{ text: '2' }, { text: '3' }, { text: '4' }])
  batches[1].commit()
  expect((await Promise.all(more)).map((r) => r.message.seq)).toEqual([2, 3, 4])
})

it("other rooms' appends go out beside a busy room's batch, up to the in-flight limit", async () => {
  const { batches, append } = harness(2)
  const a = append('a')
  const a2 = append('a')
  const b = append('b')
  const c = append('c')
  const d = append('d')
  await tick()
  // a's first batch and b's (the limit is 2); a's second, c and d wait.
  expect(batches.map((x) => x.rows.map((r) => r.room))).toEqual([['a'], ['b']])
  batches[1].commit()
  await b
  await tick()
  // b's slot goes to c and d together; a is still busy, so its second append still waits.
  expect(batches.map((x) => x.rows.map((r) => r.room))).toEqual([['a'], ['b'], ['c', 'd']])
  batches[0].commit()
  await a
  batches[2].commit()
  await Promise.all([c, d])
  await tick()
  expect(batches.map((x) => x.rows.map((r) => r.room))).toEqual([['a'], ['b'], ['c', 'd'], ['a']])
  batches[3].commit()
  expect((await a2).message.seq).toBe(2)
})
