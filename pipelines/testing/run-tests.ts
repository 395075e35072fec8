/**
 * What `sluice test` does, as a function: finds the test files under the paths given, loads each
 * (collecting the invalid ones with their problems), and runs their cases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PipelineError } from '../errors.js';
import { isTestFileName, loadTestFile } from './load-test-file.js';
import { runTestSuite, type SuiteResult } from './run-test-suite.js';
import type { TestSuite } from './test-case.js';
import type { InvalidSuite } from './test-report.js';

export interface TestRun {
  readonly results: SuiteResult[];
  readonly invalid: InvalidSuite[];
  /** The suites run (for `--update`). */
  readonly suites: TestSuite[];
}

/**
 * Test files under `paths`: a directory gives its `*.test.yaml` files and the pipeline files
 * (`*.yaml`, `*.yml`, `*.json`) with a top-level `tests:` section, recursively (skipping
 * `node_modules` and dot-directories); a file is taken as given.
 * @throws Error (ENOENT) for a path that does not exist.
 */
export function findTestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
      } else if (isTestFileName(entry.name) || (/\.(ya?ml|json)$/.test(entry.name) && /^["']?tests["']?\s*:/m.test(fs.readFileSync(full, 'utf8')))) {
        out.push(full);
      }
    }
  };
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** Loads and runs the test files under `paths`. */
export async function runTests(paths: readonly string[], options: { env?: Readonly<Record<string, string | undefined>> } = {}): Promise<TestRun> {
  const run: TestRun = { results: [], invalid: [], suites: [] };
  for (const file of findTestFiles(paths)) {
    let suite: TestSuite | null;
    try {
      suite = loadTestFile(file);
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      run.invalid.push({ file, problems: error.problems });
      continue;
    }
    if (suite === null) continue;
    run.suites.push(suite);
    run.results.push(await runTestSuite(suite, options));
  }
  return run;
}
