import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Builds dist/ (the CLI that tests spawn) and the child scripts of test/fixtures once per run
    // (once for both projects: global-setup.ts memoizes the build).
    globalSetup: ['test/global-setup.ts'],
    // Two test files at a time: most tests wait on timers, children and disk rather than compute,
    // so two overlap well on a 2-core machine; more only queue on the CPU (and stretch timeouts).
    maxWorkers: 2,
    // At most two concurrent tests within a file (`describe.concurrent`), for the same reason.
    maxConcurrency: 2,
    // Generous: a timeout only bounds a test that hangs, and on a 2-core machine shared with other
    // work (load 10 and more) a CLI child takes seconds to start. Tests wait on conditions, never
    // on the clock, so a passing test takes no longer for it.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Everything, on the embedded engine.
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } },
      // The streams, connectors and pipelines suites again, on a `sluice broker` child process
      // through RemoteCluster (test/test-engine.ts). The takeover test always runs on a broker, so
      // it runs once, in the embedded project.
      {
        extends: true,
        test: {
          name: 'broker',
          include: ['test/streams/**/*.test.ts', 'test/connectors/**/*.test.ts', 'test/pipelines/**/*.test.ts'],
          exclude: ['test/pipelines/run-takeover.test.ts'],
          env: { SLUICE_TEST_ENGINE: 'broker' },
        },
      },
    ],
  },
});
