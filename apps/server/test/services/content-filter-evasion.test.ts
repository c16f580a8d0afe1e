// §H word filter: case, NFKC width forms, format characters and white space between the
// letters of a word do not get it past the filter; text without a listed word is untouched.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createContentFilter, foldText } from '../../src/services/content-filter'

const WORDS = ['badword', '坏词', 'spam', 'ab']
const f = createContentFilter(WORDS)

describe('word filter evasions', () => {
  it.each([
    ['bad\u200Bword', '********'],
    ['ｂａｄｗｏｒｄ', '*******'],
    ['坏 词', '***'],
    ['BaD\u00ADWoRd!', '********!'],
    ['x s\u2060p\uFEFFa\u200Dm y', 'x ******* y'],
    ['bad word', '********'],
    ['Ｓ Ｐ Ａ Ｍ', '*******'],
  ])('masks %j as %j (one * per original code point of the span)', (text, want) => {
    expect(f.clean(text)).toBe(want)
    expect(f.matches(text)).toBe(true)
  })

  it('leaves text around a match and unrelated text alone', () => {
    expect(f.clean('a b c')).toBe('*** c')
    expect(f.clean('你好，世界')).toBe('你好，世界')
    expect(f.clean('bad')).toBe('bad')
  })
})

// What may sit between two letters of a word without breaking the match.
const FILLER = fc.constantFrom('\u200B', '\u200C', '\u200D', '\u2060', '\u00AD', '\uFEFF', ' ', '\t', '\u3000', '\u00A0', '\n')
/** A letter as itself, upper-cased, or in its full-width form (ASCII only). */
const variant = (ch: string) =>
  fc.constantFrom(ch, ch.toUpperCase(), /[!-~]/.test(ch) ? String.fromCodePoint(ch.codePointAt(0)! + 0xfee0) : ch)

const disguised = fc
  .constantFrom(...WORDS)
  .chain((word) =>
    fc
      .tuple(...[...word].map((ch) => fc.tuple(variant(ch), fc.array(FILLER, { maxLength: 3 }))))
      .map((parts) => ({ word, text: parts.map(([c, fill], i) => c + (i < parts.length - 1 ? fill.join('') : '')).join('') })),
  )

describe('word filter properties (fast-check)', () => {
  it('no disguise of a listed word survives in the stored text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), disguised, fc.string({ maxLength: 6 }), (pre, { word, text }, post) => {
        const out = f.clean(pre + text + post)
        expect(foldText(out)).not.toContain(foldText(word))
        expect([...out].length).toBe([...(pre + text + post)].length)
      }),
      { numRuns: 500 },
    )
  })

  it('text without a listed word (after folding) comes back unchanged', () => {
    const alphabet = fc.constantFrom('a', 'b', 'd', 'w', 'o', 'r', 's', 'p', 'm', '坏', '词', 'x', ' ', '\u200B', 'Ａ', '好', '😈')
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 20 }).map((a) => a.join('')),
        (text) => {
          fc.pre(!WORDS.some((w) => foldText(text).includes(foldText(w))))
          expect(f.clean(text)).toBe(text)
          expect(f.matches(text)).toBe(false)
        },
      ),
      { numRuns: 500 },
    )
  })
})
