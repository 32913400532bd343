import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // tests that synthesize thousands of tenants or run helm are CPU-heavy; 2 cores are plenty for 2 workers
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
