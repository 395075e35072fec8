import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ (the CLI that tests spawn) and the child scripts of test/fixtures once per run.
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
  },
});
