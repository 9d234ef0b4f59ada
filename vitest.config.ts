import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Provisions PostgreSQL, unleash-server and Prometheus once per run for all test files.
    globalSetup: ['test/support/services/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: {
      deps: {
        // It imports its JSON schemas without import attributes, which only a bundler accepts.
        inline: ['@actions/workflow-parser'],
      },
    },
  },
});
