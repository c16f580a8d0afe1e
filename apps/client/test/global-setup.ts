// Vitest globalSetup for the client project: build H5 and mp-weixin before the tests that
// inspect them. CLIENT_SKIP_BUILD=1 reuses existing dist/ output (quick local unit runs).
import { runBuilds } from './support/builds'

export default function setup(): void {
  if (process.env.CLIENT_SKIP_BUILD === '1') return
  runBuilds()
}
