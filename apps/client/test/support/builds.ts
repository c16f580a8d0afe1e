// Runs both uni builds once per test run (Vitest globalSetup), so the build checks and the
// browser tests look at what `pnpm build:h5` / `build:mp-weixin` really produce.
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

export const clientDir = resolve(__dirname, '../..')
export const h5Dir = resolve(clientDir, 'dist/build/h5')
export const mpDir = resolve(clientDir, 'dist/build/mp-weixin')

export function runBuilds(): void {
  for (const script of ['build:h5', 'build:mp-weixin']) {
    // VITE_SERVER_URL unset: H5 must default to its own origin.
    const env = { ...process.env }
    delete env.VITE_SERVER_URL
    execFileSync('pnpm', ['run', script], { cwd: clientDir, stdio: 'pipe', timeout: 300_000, env })
  }
}
