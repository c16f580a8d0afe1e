import { defineProject } from 'vitest/config'

// Separate from vite.config.ts so the uni plugin never loads under Vitest.
export default defineProject({
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    // Builds H5 and mp-weixin once; the build checks and the browser tests read dist/.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
})
