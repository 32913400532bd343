import { defineConfig } from 'vitest/config';

// End-to-end tests against real servers the global setup starts (a KRaft Kafka broker on 127.0.0.1).
// Files run one at a time: some stop and start the shared broker.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
