// RoomCursors behaves as the Map it replaces, through the first room's slot and the overflow.
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { RoomCursors } from '../../src/realtime/room-cursors'

it('agrees with a Map on every sequence of set, delete, has, get and size', () => {
  const op = fc.record({ kind: fc.constantFrom('set', 'delete'), room: fc.constantFrom('a', 'b', 'c', 'd'), n: fc.nat(9) })
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const rc = new RoomCursors()
      const map = new Map<string, { cursor: number; filling: boolean }>()
      for (const o of ops) {
        if (o.kind === 'set') {
          const v = { cursor: o.n, filling: false }
          rc.set(o.room, v)
          map.set(o.room, v)
        } else expect(rc.delete(o.room)).toBe(map.delete(o.room))
        expect(rc.size).toBe(map.size)
        for (const r of ['a', 'b', 'c', 'd']) {
          expect(rc.has(r)).toBe(map.has(r))
          expect(rc.get(r)).toBe(map.get(r))
        }
        expect(rc.keys().sort()).toEqual([...map.keys()].sort())
      }
    }),
  )
})

it('keeps a room in one place: a room set again after others is updated, not added twice', () => {
  const rc = new RoomCursors()
  rc.set('a', { cursor: 1, filling: false })
  rc.set('b', { cursor: 2, filling: false })
  rc.delete('a')
  rc.set('c', { cursor: 3, filling: false }) // takes the free slot
  rc.set('b', { cursor: 4, filling: false }) // still in the overflow
  expect(rc.size).toBe(2)
  expect(rc.get('b')?.cursor).toBe(4)
  expect(rc.keys().sort()).toEqual(['b', 'c'])
})
