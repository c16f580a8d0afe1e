/**
 * The server's layers import one way (main → app → routes → ws → plugins → services/realtime
 * → store / broker / presence / limits → redis / lib): no file may reach itself through its
 * imports, type-only ones included. A cycle is reported as the chain of files that closes it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) return files(p)
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : []
  })
}

/** Relative imports and re-exports of a file, resolved to files under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]
    const base = path.resolve(path.dirname(file), spec)
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((p) => {
      try {
        return statSync(p).isFile()
      } catch {
        return false
      }
    })
    if (hit) out.push(hit)
  }
  return out
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (f: string) => {
    state.set(f, 'open')
    stack.push(f)
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g])
      else if (!state.has(g)) visit(g)
    }
    stack.pop()
    state.set(f, 'done')
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f)
  return found
}

it('has no import cycles in apps/server/src', () => {
  const all = files(src)
  expect(all.length).toBeGreaterThan(50)
  const graph = new Map(all.map((f) => [f, importsOf(f)]))
  // The walker sees the imports at all (a regex that matched nothing would pass vacuously).
  expect(graph.get(path.join(src, 'app.ts'))?.length).toBeGreaterThan(20)
  const rel = (c: string[]) => c.map((f) => path.relative(src, f)).join(' → ')
  expect(cycles(graph).map(rel)).toEqual([])
})

it('finds a cycle when there is one', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ])
  expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']])
})
