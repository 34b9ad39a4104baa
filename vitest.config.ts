import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Scenario files import the package by its own name, as a user's project would.
    alias: [
      { find: /^tob-lab$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^tob-lab\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every simulator in the suite deep-freezes what nodes send and persist, so a protocol that mutates a message
    // after sending it fails a test (freezing is off by default for speed: see SimulatorConfig.freezeMessages).
    env: { TOB_LAB_FREEZE: '1' },
  },
});
