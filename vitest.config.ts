import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Database tests share one server (when DATABASE_URL is set) but each file gets its own schema.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
