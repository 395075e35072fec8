import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    projects: [
      // Everything, on the embedded engine.
      { test: { ...shared, name: 'embedded', include: ['test/**/*.test.ts'] } },
      // The streams, connectors and pipelines suites again, on a `sluice broker` child process through
      // RemoteCluster (test/test-engine.ts; needs `npm run build`). The takeover test always runs on a broker.
      {
        test: {
          ...shared,
          name: 'broker',
          include: ['test/streams/**/*.test.ts', 'test/connectors/**/*.test.ts', 'test/pipelines/**/*.test.ts'],
          exclude: ['test/pipelines/run-takeover.test.ts'],
          env: { SLUICE_TEST_ENGINE: 'broker' },
        },
      },
    ],
  },
});
