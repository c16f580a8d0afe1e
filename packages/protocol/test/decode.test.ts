import { describe, expect, it } from 'vitest'
import { decodeClientFrame } from '../src'

describe('decodeClientFrame', () => {
  it('decodes a send frame and trims its text', () => {
    const d = decodeClientFrame(JSON.stringify({ type: 'send', id: 7, room: 'lobby', cid: 'abcdefgh', kind: 'text', body: { text: '  你好 ' } }))
    expect(d).toEqual({ ok: true, frame: { type: 'send', id: 7, room: 'lobby', cid: 'abcdefgh', kind: 'text', body: { text: '你好' } } })
  })
  it('refuses non-JSON', () => {
    expect(decodeClientFrame('{')).toMatchObject({ ok: false, code: 'bad_request' })
  })
})
