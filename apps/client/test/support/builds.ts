// Runs the uni builds once per test run (Vitest globalSetup), so the build checks and the
// browser and mini-program tests look at what `pnpm build:h5` / `build:mp-weixin` really
// produce.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

export const clientDir = resolve(__dirname, '../..')
export const h5Dir = resolve(clientDir, 'dist/build/h5')
export const mpDir = resolve(clientDir, 'dist/build/mp-weixin')
/**
 * The same mini-program built with `VITE_SERVER_URL` set to a test node's address, as a
 * release is built with its server's domain (the plain build above keeps the default).
 */
export const mpE2eDir = resolve(clientDir, 'dist/build/mp-weixin-e2e')
const mpE2eInfo = `${mpE2eDir}.json`

function build(script: string, env: Record<string, string | undefined>): void {
  const full = { ...process.env, ...env }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k]
  execFileSync('pnpm', ['run', script], { cwd: clientDir, stdio: 'pipe', timeout: 300_000, env: full })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer()
    s.once('error', () => res(false))
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)))
  })
}

/**
 * A free port below the kernel's ephemeral range (32768+), so no socket some other test
 * opens in the meantime takes it before the mini-program test's node listens there.
 */
async function fixedPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000)
    if (await portFree(port)) return port
  }
  throw new Error('no free port for the mini-program test node')
}

export async function runBuilds(): Promise<void> {
  // VITE_SERVER_URL unset: H5 must default to its own origin.
  build('build:h5', { VITE_SERVER_URL: undefined })
  build('build:mp-weixin', { VITE_SERVER_URL: undefined })
  const serverUrl = `http://127.0.0.1:${await fixedPort()}`
  build('build:mp-weixin', { VITE_SERVER_URL: serverUrl, UNI_OUTPUT_DIR: mpE2eDir })
  writeFileSync(mpE2eInfo, JSON.stringify({ serverUrl }))
}

/** The address the e2e mini-program build was made for. */
export function mpE2eServerUrl(): string {
  if (!existsSync(mpE2eInfo)) throw new Error(`${mpE2eInfo} is missing: run the tests without CLIENT_SKIP_BUILD once`)
  return (JSON.parse(readFileSync(mpE2eInfo, 'utf8')) as { serverUrl: string }).serverUrl
}
