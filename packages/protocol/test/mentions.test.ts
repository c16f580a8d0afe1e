// v1.1 §D at the wire: `mentions` on text and question bodies.
import { describe, expect, it } from 'vitest'
import { checkBody, decodeClientFrame } from '../src/index'

describe('checkBody mentions', () => {
  it('keeps the list in order without duplicates; empty, null or absent → no field', () => {
    expect(checkBody('text', { text: ' hi ', mentions: ['u_b', 'u_a', 'u_b'] })).toEqual({
      ok: true,
      value: { kind: 'text', body: { text: 'hi', mentions: ['u_b', 'u_a'] } },
    })
    expect(checkBody('question', { text: 'q', mentions: ['u_a'] })).toEqual({
      ok: true,
      value: { kind: 'question', body: { text: 'q', mentions: ['u_a'] } },
    })
    for (const mentions of [[], null, undefined])
      expect(checkBody('text', { text: 'hi', mentions })).toEqual({ ok: true, value: { kind: 'text', body: { text: 'hi' } } })
  })

  it('refuses more than 20 entries as sent (duplicates count), non-arrays and non-ids', () => {
    expect(checkBody('text', { text: 'hi', mentions: Array(20).fill('u_a') }).ok).toBe(true)
    for (const mentions of [Array(21).fill('u_a'), 'u_a', { 0: 'u_a' }, [1], [''], ['a b'], ['x'.repeat(65)]]) {
      expect(checkBody('text', { text: 'hi', mentions })).toMatchObject({ ok: false, message: expect.stringContaining('mentions') })
    }
  })

  it('other kinds drop the field', () => {
    expect(checkBody('like', { mentions: ['u_a'] })).toEqual({ ok: true, value: { kind: 'like', body: {} } })
    expect(checkBody('answer', { question: 1, text: 'a', mentions: ['u_a'] })).toEqual({
      ok: true,
      value: { kind: 'answer', body: { question: 1, text: 'a' } },
    })
  })

  it('a send frame with too many mentions decodes to bad_request', () => {
    const raw = JSON.stringify({
      type: 'send',
      id: '1',
      room: 'r',
      cid: 'cid-12345678',
      kind: 'text',
      body: { text: 'x', mentions: Array(21).fill('u_a') },
    })
    expect(decodeClientFrame(raw)).toMatchObject({ ok: false })
  })
})
