/**
 * Masks sensitive words with `*`, one per character (code point). An Aho–Corasick
 * automaton: one pass over the text whatever the number of words.
 */
export interface ContentFilter {
  clean(text: string): string
  /** True when the text contains a listed word (the reject mode). */
  matches(text: string): boolean
}

interface Node {
  next: Map<string, Node>
  fail: Node | null
  /** Lengths (in code points) of the words ending here, including via fail links. */
  out: number[]
}

const node = (): Node => ({ next: new Map(), fail: null, out: [] })

export function createContentFilter(words: string[]): ContentFilter {
  const root = node()
  let count = 0
  for (const raw of words) {
    const w = [...raw.trim().toLowerCase()]
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

  function scan(text: string, onMatch: (end: number, len: number) => void): void {
    const chars = [...text]
    let n = root
    chars.forEach((c, i) => {
      // Per character, so a case mapping that changes length cannot shift positions.
      const ch = c.toLowerCase()
      while (n !== root && !n.next.has(ch)) n = n.fail!
      n = n.next.get(ch) ?? root
      for (const len of n.out) onMatch(i, len)
    })
  }

  return {
    clean(text) {
      if (count === 0) return text
      const chars = [...text]
      let hit = false
      scan(text, (end, len) => {
        hit = true
        for (let k = end - len + 1; k <= end; k++) chars[k] = '*'
      })
      return hit ? chars.join('') : text
    },
    matches(text) {
      if (count === 0) return false
      let hit = false
      scan(text, () => (hit = true))
      return hit
    },
  }
}
