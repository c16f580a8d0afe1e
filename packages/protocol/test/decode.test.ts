import { describe, expect, it } from 'vitest'
import { checkBody, codePoints, decodeClientFrame, dmRoomId, parseRoomId } from '../src'

const ok = (f: unknown) => {
  const d = decodeClientFrame(JSON.stringify(f))
  if (!d.ok) throw new Error(d.message)
  return d.frame
}
const bad = (f: unknown) => {
  const d = decodeClientFrame(typeof f === 'string' ? f : JSON.stringify(f))
  expect(d.ok).toBe(false)
  return d as { ok: false; code: string; message: string; id?: unknown }
}

describe('decodeClientFrame: each frame type', () => {
  it('hello with and without resume', () => {
    expect(ok({ type: 'hello', id: 1, token: 't' })).toEqual({ type: 'hello', id: 1, token: 't' })
    expect(ok({ type: 'hello', token: 't', resume: { lobby: 41, 'dm:u_a:u_b': 0 } })).toMatchObject({
      resume: { lobby: 41, 'dm:u_a:u_b': 0 },
    })
    bad({ type: 'hello', token: 't', resume: { lobby: -1 } })
    bad({ type: 'hello', token: 't', resume: [1] })
    bad({ type: 'hello', token: '' })
  })
  it('join, leave', () => {
    expect(ok({ type: 'join', room: 'lobby' })).toEqual({ type: 'join', room: 'lobby' })
    expect(ok({ type: 'join', room: 'lobby', after: 0 })).toEqual({ type: 'join', room: 'lobby', after: 0 })
    expect(ok({ type: 'leave', room: 'lobby', id: 'x' })).toEqual({ type: 'leave', room: 'lobby', id: 'x' })
    bad({ type: 'join' })
    bad({ type: 'leave', room: 5 })
  })
  it('send of every kind, with bodies reduced to their fields', () => {
    const base = { type: 'send', room: 'r', cid: 'abcdefgh' }
    expect(ok({ ...base, kind: 'text', body: { text: ' hi ', extra: 1 } })).toMatchObject({ body: { text: 'hi' } })
    expect(ok({ ...base, kind: 'image', body: { url: '/uploads/abc.png', width: 10 } })).toMatchObject({
      body: { url: '/uploads/abc.png', width: 10 },
    })
    expect(ok({ ...base, kind: 'like', body: { x: 1 } })).toMatchObject({ body: {} })
    expect(ok({ ...base, kind: 'flower', body: {} })).toMatchObject({ body: {} })
    expect(ok({ ...base, kind: 'flower', body: { count: 99 } })).toMatchObject({ body: { count: 99 } })
    expect(ok({ ...base, kind: 'question', body: { text: '为什么?' } })).toMatchObject({ body: { text: '为什么?' } })
    expect(ok({ ...base, kind: 'answer', body: { question: 3, text: '因为' } })).toMatchObject({ body: { question: 3, text: '因为' } })
    bad({ ...base, kind: 'image', body: { url: 'https://x/y.png' } })
    bad({ ...base, kind: 'image', body: { url: '/uploads/a.svg' } })
    bad({ ...base, kind: 'flower', body: { count: 0 } })
    bad({ ...base, kind: 'answer', body: { question: 0, text: 'x' } })
    bad({ ...base, kind: 'answer', body: { text: 'x' } })
  })
  it('history, typing, read, recall, ping', () => {
    expect(ok({ type: 'history', room: 'r', before: 10 })).toEqual({ type: 'history', room: 'r', before: 10, limit: 30 })
    expect(ok({ type: 'history', room: 'r', after: 0, limit: 100 })).toEqual({ type: 'history', room: 'r', after: 0, limit: 100 })
    bad({ type: 'history', room: 'r', after: 1, before: 5 })
    expect(ok({ type: 'typing', room: 'r' })).toEqual({ type: 'typing', room: 'r' })
    expect(ok({ type: 'read', room: 'r', seq: 0 })).toEqual({ type: 'read', room: 'r', seq: 0 })
    expect(ok({ type: 'recall', room: 'r', seq: 1 })).toEqual({ type: 'recall', room: 'r', seq: 1 })
    bad({ type: 'recall', room: 'r', seq: 0 })
    expect(ok({ type: 'ping', id: 'p' })).toEqual({ type: 'ping', id: 'p' })
  })
})

describe('decodeClientFrame: react (v1.1 §B)', () => {
  it('likes count 1 whatever count they carry; flowers default to 1', () => {
    expect(ok({ type: 'react', room: 'r', kind: 'like', id: 7 })).toEqual({ type: 'react', room: 'r', kind: 'like', id: 7 })
    expect(ok({ type: 'react', room: 'r', kind: 'like', count: 500 })).toEqual({ type: 'react', room: 'r', kind: 'like' })
    expect(ok({ type: 'react', room: 'r', kind: 'like', count: 'x' })).toEqual({ type: 'react', room: 'r', kind: 'like' })
    expect(ok({ type: 'react', room: 'r', kind: 'flower' })).toEqual({ type: 'react', room: 'r', kind: 'flower', count: 1 })
    expect(ok({ type: 'react', room: 'dm:a:b', kind: 'flower', count: 99 })).toEqual({
      type: 'react',
      room: 'dm:a:b',
      kind: 'flower',
      count: 99,
    })
  })
  it('refuses a bad kind, room or flower count, keeping the id', () => {
    for (const count of [0, 100, 1.5, '3', null, -1])
      expect(bad({ type: 'react', room: 'r', kind: 'flower', count, id: 'q' })).toMatchObject({ code: 'bad_request', id: 'q' })
    bad({ type: 'react', room: 'r', kind: 'text' })
    bad({ type: 'react', room: 'r' })
    bad({ type: 'react', kind: 'like' })
    bad({ type: 'react', room: 'no spaces', kind: 'like' })
  })
})

describe('decodeClientFrame: malformed input', () => {
  it.each(['', 'x', '{', '[]', '"s"', '1', 'null', '{"type":null}', '{"type":"nope"}'])('%j is bad_request', (t) => {
    expect(bad(t).code).toBe('bad_request')
  })
  it('keeps a valid id on errors, drops an invalid one', () => {
    expect(bad({ type: 'nope', id: 'a' }).id).toBe('a')
    expect(bad({ type: 'ping', id: 'x'.repeat(65) }).id).toBeUndefined()
    expect(ok({ type: 'ping', id: 'x'.repeat(64) })).toMatchObject({ id: 'x'.repeat(64) })
    bad({ type: 'ping', id: { a: 1 } })
  })
  it('refuses unsafe integers', () => {
    bad({ type: 'read', room: 'r', seq: 2 ** 53 })
    bad('{"type":"read","room":"r","seq":1e400}')
  })
})

describe('helpers', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePoints('😀😀')).toBe(2)
    expect(codePoints('你好')).toBe(2)
    expect(checkBody('text', { text: '😀'.repeat(4000) }).ok).toBe(true)
    expect(checkBody('text', { text: '😀'.repeat(4001) }).ok).toBe(false)
  })
  it('parses and builds dm room ids', () => {
    expect(dmRoomId('u_b', 'u_a')).toBe('dm:u_a:u_b')
    expect(parseRoomId('dm:u_a:u_b')).toEqual({ kind: 'dm', id: 'dm:u_a:u_b', users: ['u_a', 'u_b'] })
    for (const id of ['dm:u_b:u_a', 'dm:u_a:u_a', 'dm:u_a', 'dm:u_a:u_b:u_c', 'dm::u_a', 'dm:u a:u_b']) expect(parseRoomId(id)).toBeNull()
    expect(parseRoomId('lobby')).toEqual({ kind: 'group', id: 'lobby' })
  })
})
