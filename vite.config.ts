// The root config only gathers the workspace's Vitest projects; each app keeps its own
// build config (the client's uni Vite config must not load in tests).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/protocol', 'apps/server', 'apps/client/vitest.config.mts', 'apps/admin/vitest.config.mts'],
  },
})
