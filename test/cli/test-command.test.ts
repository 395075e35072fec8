/**
 * `sluice test`: exit 0 when every case passes, 1 with the report when one fails, 2 when no tests
 * are found; `--reporter junit` prints JUnit XML.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession } from './cli-helpers.js';

const PIPELINE = `topics: { numbers: {}, doubled: {} }
streams:
  - from: numbers
    steps: [{ map: '{ "d": n * 2 }' }]
    to: doubled
`;

const testFile = (expected: number) => `pipeline: double.yaml
cases:
  - name: doubles
    inputs: { numbers: [{ value: { n: 2 } }] }
    expect: { doubled: { records: [{ value: { d: ${expected} } }] } }
`;

describe.concurrent('sluice test', () => {
  it('exits 0 when the cases pass and 1 with a diff when one fails; junit on request', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const bad = cli.tempDir();
    for (const [d, expected] of [[dir, 4], [bad, 5]] as const) {
      fs.writeFileSync(path.join(d, 'double.yaml'), PIPELINE);
      fs.writeFileSync(path.join(d, 'double.test.yaml'), testFile(expected));
    }
    const [ok, failed, junit] = await Promise.all([cli.run(['test', dir]), cli.run(['test', path.join(bad, 'double.test.yaml')]), cli.run(['test', '--reporter', 'junit', bad])]);
    expect(ok.stdout).toMatch(/✓ doubles \(\d+ ms\)\n\n1 passed \(1 case in \d+ ms\)\n$/);
    expect(ok.code).toBe(0);
    expect(failed.stdout).toContain('✗ doubles');
    expect(failed.stdout).toContain('double.test.yaml:5:15: doubled: records differ (expected 1, got 1)\n        + {"value":{"d":4}}\n        - {"value":{"d":5}}\n');
    expect(failed.stderr).toBe('sluice: 1 of 1 cases failed\n');
    expect(failed.code).toBe(1);

    expect(junit.stdout).toMatch(/^<\?xml[\s\S]*<failure message="doubled: records differ \(expected 1, got 1\)">/);
    expect(junit.code).toBe(1);
  });

  it('exits 2 when it finds no tests', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.writeFileSync(path.join(dir, 'double.yaml'), PIPELINE);
    const none = await cli.run(['test', dir]);
    expect(none.stderr).toContain('sluice: no pipeline tests found in');
    expect(none.code).toBe(2);
  });
});
