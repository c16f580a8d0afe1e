// Vitest globalSetup for the client project, run once before any test file: build H5 and
// mp-weixin (the build checks, the browser and the mini-program tests read dist/), the
// mini-program again against a test node's address, and the server bundle if it is missing
// or stale (several test files start it; building it once here keeps them from building it
// at the same time).
// CLIENT_SKIP_BUILD=1 reuses the existing client dist/ (quick local unit runs).
import { runBuilds } from './support/builds'
import { ensureServerBuilt } from './support/server-build'

export default async function setup(): Promise<void> {
  ensureServerBuilt()
  if (process.env.CLIENT_SKIP_BUILD === '1') return
  await runBuilds()
}
