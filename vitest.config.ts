import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that listen to the radio in real time (DAVE handshakes included): they run after the rest, one file at a time, so no
 * other test file competes with them for the two cores.
 */
const realtime = ['test/voice.test.ts', 'test/voice-dave.test.ts', 'test/voice-dave-bot.test.ts', 'test/radio-resilience.test.ts', 'test/fault-matrix.test.ts', 'test/studio.test.ts', 'test/studio-listen.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: at most two test files at once.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...realtime], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'realtime', include: realtime, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
