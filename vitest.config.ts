import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run test files in at most two workers so timing-sensitive end-to-end tests are not starved.
    maxWorkers: 2,
  },
});
