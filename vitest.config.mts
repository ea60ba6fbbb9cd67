import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Snapshots are reviewed, never written in CI: `CI=true` makes missing snapshots fail.
    update: false,
    testTimeout: 30_000,
    pool: 'forks',
  },
});
