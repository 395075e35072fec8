/**
 * `sluice test [PATH...]`: runs pipeline tests — `*.test.yaml` files and pipeline files with a
 * `tests:` section, found under the paths given (default: the working directory) — on the
 * in-memory engine, and prints a report (text, or JUnit XML with `--reporter junit`). Exits 1
 * when a case failed or a test file is invalid. `--update` writes each case's actual records as
 * its expectations (review the change before committing it).
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';

/** Some cases failed or some test files were invalid; the report says which. */
export class TestsFailedError extends Error {}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('run the tests of pipeline files (*.test.yaml, or a tests: section) on the in-memory engine')
    .argument('[path...]', 'test files, pipeline files with tests:, or directories to search', ['.'])
    .addOption(new Option('--reporter <format>', 'report format').choices(['text', 'junit']).default('text'))
    .option('--update', "write each case's actual records as its expectations (review the change before committing it)")
    .addHelpText(
      'after',
      [
        '',
        'Exit code 1 when a case failed or a test file is invalid.',
        '',
        'Examples:',
        '  $ sluice test examples/',
        '  $ sluice test orders.test.yaml --reporter junit > junit.xml',
        '  $ sluice test orders.test.yaml --update && git diff orders.test.yaml',
      ].join('\n'),
    )
    .action(async (paths: string[], options: { reporter: 'text' | 'junit'; update?: boolean }) => {
      for (const p of paths) if (!fs.existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
      const { runTests, textReport, junitReport, totalsOf, updateExpectations } = await import('../../pipelines/index.js');
      const run = await runTests(paths);
      if (options.update) {
        for (let i = 0; i < run.suites.length; i++) {
          const changed = updateExpectations(run.suites[i], run.results[i]);
          if (changed > 0) process.stderr.write(`${run.suites[i].file}: updated ${changed} expectation${changed === 1 ? '' : 's'}\n`);
        }
      }
      process.stdout.write(options.reporter === 'junit' ? junitReport(run.results, run.invalid) : textReport(run.results, run.invalid));
      const t = totalsOf(run.results, run.invalid);
      if (t.passed + t.failed + t.invalid === 0) throw new UsageError(`no pipeline tests found in ${paths.join(', ')} (*.test.yaml files, or pipeline files with a tests: section)`);
      if (t.failed > 0 || t.invalid > 0) throw new TestsFailedError(`${t.failed} of ${t.passed + t.failed} cases failed${t.invalid > 0 ? `, ${t.invalid} invalid test file${t.invalid === 1 ? '' : 's'}` : ''}`);
    });
}
