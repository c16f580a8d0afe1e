// RoomUsers holds one connection as its id and a Set from the second on: a user goes offline
// only with the last connection, whichever form its entry is in.
import { expect, it } from 'vitest'
import { RoomUsers } from '../../src/presence/room-users'

const ann = { id: 'u1', name: 'Ann', avatar: null }

it('counts a user once per room across connections, offline only with the last', () => {
  const ru = new RoomUsers()
  expect(ru.add('r', ann, 'c1')).toBe(true)
  expect(ru.add('r', ann, 'c1')).toBe(false) // the same connection again
  expect(ru.add('r', ann, 'c2')).toBe(false)
  expect(ru.add('r', ann, 'c3')).toBe(false)
  expect(ru.online('r')).toEqual([ann])
  expect(ru.remove('r', 'u1', 'c9')).toBe(false) // not one of its connections
  expect(ru.remove('r', 'u1', 'c1')).toBe(false)
  expect(ru.remove('r', 'u1', 'c3')).toBe(false)
  expect(ru.remove('r', 'u1', 'c2')).toBe(true)
  expect(ru.online('r')).toEqual([])
  expect(ru.remove('r', 'u1', 'c2')).toBe(false)
})

it('a single connection is removed only by its own id', () => {
  const ru = new RoomUsers()
  ru.add('r', ann, 'c1')
  expect(ru.remove('r', 'u1', 'c2')).toBe(false)
  expect(ru.online('r')).toEqual([ann])
  expect(ru.remove('r', 'u1', 'c1')).toBe(true)
  expect(ru.add('r', ann, 'c2')).toBe(true)
})
