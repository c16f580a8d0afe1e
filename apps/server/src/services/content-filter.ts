/**
 * Masks sensitive words with `*`. An Aho–Corasick automaton: one pass over the text
 * whatever the number of words.
 *
 * Matching is on a folded view of the text, so the usual dodges do not work: each code
 * point is NFKC-normalised (full-width `ｂａｄ`, compatibility forms) and lower-cased,
 * and format characters (Unicode Cf: zero-width spaces and joiners, soft hyphen, BOM…)
 * and white space are skipped (`b\u200Bad`, `坏 词`). A match masks its whole span of
 * the original text, one `*` per code point, the skipped characters inside included.
 * Skipping white space means a match may run across words ("bad word" for `badword`).
 */
export interface ContentFilter {
  clean(text: string): string
  /** True when the text contains a listed word (the reject mode). */
  matches(text: string): boolean
}

interface Node {
  next: Map<string, Node>
  fail: Node | null
  /** Lengths (in folded code points) of the words ending here, including via fail links. */
  out: number[]
}

const node = (): Node => ({ next: new Map(), fail: null, out: [] })

const SKIPPED = /^[\p{Cf}\p{White_Space}]$/u

/** The folded code points one original code point stands for (none when it is skipped). */
export function fold(c: string): string[] {
  if (SKIPPED.test(c)) return []
  const out: string[] = []
  // NFKC again after lower-casing: a few lower-case forms are themselves compatibility forms.
  for (const f of c.normalize('NFKC').toLowerCase().normalize('NFKC')) if (!SKIPPED.test(f)) out.push(f)
  return out
}

/** A whole text folded, as the automaton sees it (for tests and for the word list). */
export function foldText(text: string): string {
  let s = ''
  for (const c of text) s += fold(c).join('')
  return s
}

export function createContentFilter(words: string[]): ContentFilter {
  const root = node()
  let count = 0
  for (const raw of words) {
    const w = [...foldText(raw)]
    if (w.length === 0) continue
    let n = root
    for (const ch of w) {
      let nx = n.next.get(ch)
      if (!nx) n.next.set(ch, (nx = node()))
      n = nx
    }
    n.out.push(w.length)
    count++
  }
  const queue: Node[] = []
  for (const child of root.next.values()) {
    child.fail = root
    queue.push(child)
  }
  while (queue.length) {
    const n = queue.shift()!
    for (const [ch, child] of n.next) {
      let f = n.fail
      while (f && !f.next.has(ch)) f = f.fail
      child.fail = f ? f.next.get(ch)! : root
      child.out = child.out.concat(child.fail.out)
      queue.push(child)
    }
  }

  /** Calls onMatch(first, last) with the original code-point indexes of each match's span. */
  function scan(chars: string[], onMatch: (first: number, last: number) => void): void {
    // origin[k]: the original index of the k-th folded code point (kept for the match spans).
    const origin: number[] = []
    let n = root
    chars.forEach((c, i) => {
      for (const ch of fold(c)) {
        origin.push(i)
        while (n !== root && !n.next.has(ch)) n = n.fail!
        n = n.next.get(ch) ?? root
        const end = origin.length - 1
        for (const len of n.out) onMatch(origin[end - len + 1], i)
      }
    })
  }

  return {
    clean(text) {
      if (count === 0) return text
      const chars = [...text]
      const masked = chars.slice()
      let hit = false
      scan(chars, (first, last) => {
        hit = true
        for (let k = first; k <= last; k++) masked[k] = '*'
      })
      return hit ? masked.join('') : text
    },
    matches(text) {
      if (count === 0) return false
      let hit = false
      scan([...text], () => (hit = true))
      return hit
    },
  }
}
