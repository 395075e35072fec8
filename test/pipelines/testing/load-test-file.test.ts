/**
 * Test files are validated like pipeline files: problems with file, line and column, in the
 * pipeline files' words (did-you-mean), JSONata syntax errors at their character.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, junitReport, loadTestFile, PipelineError, runTests, updateExpectations } from '../../../pipelines/index.js';
import { tempDir } from '../../helpers.js';

function problemsOf(text: string): string[] {
  const dir = tempDir();
  const file = path.join(dir, 'x.test.yaml');
  fs.writeFileSync(file, text);
  try {
    loadTestFile(file);
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    return error.problems.map((p) => formatProblem(p).slice(dir.length + 1));
  }
  throw new Error('expected problems');
}

const PIPELINE = `topics: { numbers: {}, doubled: {} }
streams:
  - from: numbers
    steps: [{ map: '{ "d": n * 2 }' }]
    to: doubled
`;

describe('loadTestFile', () => {
  it('reports a YAML syntax error with its line', () => {
    expect(problemsOf('pipeline: p.yaml\ncases:\n  - name: a\n    inputs: { numbers: [ }\n')).toEqual([expect.stringMatching(/^x\.test\.yaml:4:\d+: YAML syntax error: /)]);
  });

  it('names misspelt fields with a did-you-mean, and wrong types, at their lines', () => {
    expect(problemsOf('pipeline: p.yaml\ncases:\n  - name: a\n    inputz: {}\n    expect:\n      doubled: { count: two }\n      other: { recrods: [] }\n')).toEqual([
      'x.test.yaml:4:5: cases[0].inputz: unknown field "inputz" (did you mean "inputs"?)',
      'x.test.yaml:6:25: cases[0].expect.doubled.count: must be an integer, got the string "two"',
      'x.test.yaml:7:16: cases[0].expect.other.recrods: unknown field "recrods" (did you mean "records"?)',
    ]);
  });

  it('reports a missing pipeline and an invalid condition at its character', () => {
    expect(problemsOf('cases:\n  - name: a\n')).toEqual(['x.test.yaml:1:1: missing required field "pipeline" (the pipeline file under test, relative to this file)']);
    expect(problemsOf('pipeline: p.yaml\ncases:\n  - name: a\n    expect: { t: { condition: "d > " } }\n')).toEqual([
      expect.stringMatching(/^x\.test\.yaml:4:\d+: cases\[0\]\.expect\.t\.condition: invalid JSONata expression: /),
    ]);
  });

  it('reports a bad JSON-lines input at its own line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'in.jsonl'), '{"value":1}\nnot json\n');
    fs.writeFileSync(path.join(dir, 'x.test.yaml'), 'pipeline: p.yaml\ncases:\n  - name: a\n    inputs: { numbers: { file: in.jsonl } }\n');
    expect(() => loadTestFile(path.join(dir, 'x.test.yaml'))).toThrow(/in\.jsonl:2:1: .*JSON/);
  });
});

describe('reports and --update', () => {
  it('JUnit XML has a test case per case, failures with their message, and invalid files as errors', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'double.yaml'), PIPELINE);
    fs.writeFileSync(
      path.join(dir, 'double.test.yaml'),
      'pipeline: double.yaml\ncases:\n  - name: ok\n    inputs: { numbers: [{ value: { n: 1 } }] }\n    expect: { doubled: { count: 1 } }\n  - name: "<bad>"\n    inputs: { numbers: [{ value: { n: 1 } }] }\n    expect: { doubled: { count: 2 } }\n',
    );
    fs.writeFileSync(path.join(dir, 'broken.test.yaml'), 'pipeline: double.yaml\ncases: []\n');
    const run = await runTests([dir]);
    const xml = junitReport(run.results, run.invalid);
    expect(xml).toContain('<testsuites name="sluice test" tests="3" failures="1" errors="1"');
    expect(xml).toMatch(/<testcase name="ok" classname="[^"]*double\.test\.yaml" file="[^"]*" line="3" time="[\d.]+"\/>/);
    expect(xml).toMatch(/<testcase name="&lt;bad&gt;"[^>]*>\s*<failure message="doubled: 1 record, expected 2">/);
    expect(xml).toMatch(/<error message="invalid test file">[^<]*broken\.test\.yaml:2:8: cases: must have at least 1 entry/);
  });

  it('--update writes the actual records as expectations, keeping comments; the file then passes', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'double.yaml'), PIPELINE);
    const file = path.join(dir, 'double.test.yaml');
    fs.writeFileSync(file, 'pipeline: double.yaml\ncases:\n  # the doubling\n  - name: doubles\n    inputs: { numbers: [{ key: a, value: { n: 1 } }, { value: { n: 5 } }] }\n    expect:\n      doubled:\n        records: []\n        count: 0\n        condition: d > 0\n');
    const first = await runTests([file]);
    expect(first.results[0].cases[0].failures).toHaveLength(2);
    expect(updateExpectations(first.suites[0], first.results[0])).toBe(2);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('  # the doubling\n');
    expect(text).toContain('        records:\n          - { key: a, value: { d: 2 } }\n          - { key: null, value: { d: 10 } }\n        count: 2\n        condition: d > 0\n');
    const second = await runTests([file]);
    expect(second.results[0].cases[0].failures).toEqual([]);
  });
});
