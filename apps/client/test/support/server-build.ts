// Where the server bundle is, and building it when it is missing or older than its sources.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const repoRoot = resolve(__dirname, '../../../..')
const serverDir = join(repoRoot, 'apps/server')
export const serverMain = join(serverDir, 'dist/main.js')

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Builds the server when its bundle is missing or older than its sources. */
export function ensureServerBuilt(): void {
  const sources = Math.max(newestMtime(join(serverDir, 'src')), newestMtime(join(repoRoot, 'packages/protocol/src')))
  if (existsSync(serverMain) && statSync(serverMain).mtimeMs >= sources) return
  execFileSync('pnpm', ['--filter', '@chat/server', 'build'], { cwd: repoRoot, stdio: 'pipe', timeout: 180_000 })
}
