/**
 * Every example pipeline file has unit tests (`*.test.yaml` beside it, or a `tests:` section),
 * and they pass — `sluice test examples/` as the project's own suite runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findTestFiles, loadTestFile, runTests, textReport } from '../../pipelines/index.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

describe('example pipeline tests', () => {
  it('every example pipeline file is tested', () => {
    const pipelines = fs
      .readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)pipeline\.ya?ml$/.test(f) && !f.includes('.out'))
      .map((f) => path.join(EXAMPLES, f));
    expect(pipelines.length).toBeGreaterThanOrEqual(3);
    const tested = new Set(findTestFiles([EXAMPLES]).map((f) => loadTestFile(f)?.pipelineFile));
    for (const p of pipelines) expect(tested, p).toContain(p);
  });

  it('pass', async () => {
    const run = await runTests([EXAMPLES]);
    const report = textReport(run.results, run.invalid);
    expect(run.invalid, report).toEqual([]);
    const cases = run.results.flatMap((r) => r.cases);
    expect(cases.length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.failures.length > 0).map((c) => c.name), report).toEqual([]);
  });
});
