import { defineProject } from 'vitest/config'

// The console's browser test; vite.config.ts stays the app's build config.
export default defineProject({
  test: {
    name: 'admin',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
