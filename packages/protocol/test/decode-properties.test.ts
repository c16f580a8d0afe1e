import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeClientFrame, ErrorCode } from '../src'

const validFrames = fc.oneof(
  fc.record({ type: fc.constant('ping'), id: fc.option(fc.oneof(fc.string({ maxLength: 64 }), fc.integer()), { nil: undefined }) }),
  fc.record({
    type: fc.constant('join'),
    room: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    after: fc.option(fc.nat(), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('send'),
    room: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    cid: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
    kind: fc.constant('text'),
    body: fc.record({ text: fc.string({ minLength: 1, maxLength: 50 }).filter((t) => t.trim().length > 0) }),
  }),
  fc.record({ type: fc.constant('history'), room: fc.constant('lobby'), after: fc.nat(), limit: fc.integer({ min: 1, max: 100 }) }),
)

describe('decodeClientFrame, property-based', () => {
  it('never throws on any string, and any failure is a bad_request with a message', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const d = decodeClientFrame(text)
          if (!d.ok) {
            expect(d.code).toBe(ErrorCode.BadRequest)
            expect(d.message.length).toBeGreaterThan(0)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('accepts every valid frame, and its decoded form re-encodes to an accepted frame', () => {
    fc.assert(
      fc.property(validFrames, (f) => {
        const d = decodeClientFrame(JSON.stringify(f))
        expect(d.ok).toBe(true)
        if (d.ok) {
          expect(d.frame.type).toBe(f.type)
          expect(decodeClientFrame(JSON.stringify(d.frame)).ok).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('rejects every valid frame with one field replaced by a wrong-typed value', () => {
    const wrong = fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
      fc.constant(-1),
      fc.constant(1.5),
      fc.constant(true),
      fc.constant(''),
    )
    fc.assert(
      fc.property(validFrames, wrong, fc.nat(), (f, bad, pick) => {
        const keys = Object.keys(f).filter((k) => k !== 'type' && k !== 'id' && (f as Record<string, unknown>)[k] !== undefined)
        if (keys.length === 0) return
        const key = keys[pick % keys.length]
        const mutated = { ...f, [key]: bad }
        // Replacing the optional `after` by -1 etc. must fail; so must any required field.
        expect(decodeClientFrame(JSON.stringify(mutated)).ok).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })

  it('never lets __proto__ keys reach a prototype', () => {
    const d = decodeClientFrame('{"type":"hello","token":"t","resume":{"__proto__":{"x":1}}}')
    expect(d.ok).toBe(false)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})
