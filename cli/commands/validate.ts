/**
 * `sluice validate FILE...`: checks pipeline files without running anything — YAML syntax,
 * `${VAR}` references, the schema, connector configs, topics, expressions — and prints every
 * problem, one per line as `file:line:column: path: message`, then exits 2; or prints a one-line
 * summary per file and exits 0 — with warnings on stderr (`file: warning: …`) for input that would
 * read nothing (a `file.path` matching no file, `/dev/stdin`).
 */
import type { Command } from 'commander';
import type { Pipeline } from '../../pipelines/index.js';
import { UsageError } from '../errors.js';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check pipeline files (syntax, variables, schema, connectors, topics, expressions) without running them')
    .argument('<file...>', 'pipeline files (YAML or JSON)')
    .addHelpText(
      'after',
      [
        '',
        'Problems are printed one per line as FILE:LINE:COLUMN: PATH: MESSAGE (exit code 2).',
        '',
        'Examples:',
        '  $ sluice validate orders.yaml',
        '  $ DATA_DIR=/var/lib/sluice sluice validate pipelines/*.yaml',
      ].join('\n'),
    )
    .action(async (files: string[]) => {
      let failed = 0;
      let problems = 0;
      for (const file of files) {
        try {
          const pipeline = await loadValidPipeline(file);
          process.stdout.write(`${file}: OK — ${summarize(pipeline)}\n`);
          await printInputWarnings(pipeline);
        } catch (error) {
          if (!(error instanceof PipelineProblemsError)) throw error;
          failed++;
          problems += error.count;
        }
      }
      if (failed > 0) {
        throw new UsageError(`${problems} problem${problems === 1 ? '' : 's'} in ${failed === 1 && files.length === 1 ? files[0] : `${failed} of ${files.length} files`}`);
      }
    });
}

/** Prints `inputWarnings` on stderr, one `FILE: warning: …` line each. */
export async function printInputWarnings(pipeline: Pipeline): Promise<void> {
  const { inputWarnings } = await import('../../pipelines/index.js');
  for (const warning of inputWarnings(pipeline)) process.stderr.write(`${pipeline.file}: warning: ${warning}\n`);
}

/** A pipeline file had problems; they were printed on stderr already. */
export class PipelineProblemsError extends UsageError {
  constructor(
    readonly file: string,
    readonly count: number,
  ) {
    super(`${count} problem${count === 1 ? '' : 's'} in ${file}; nothing was started`);
  }
}

/**
 * Loads and validates a pipeline file, printing every problem on stderr (one per line).
 * @throws PipelineProblemsError (exit 2) when there were problems; UsageError when the file is missing.
 */
export async function loadValidPipeline(file: string): Promise<Pipeline> {
  const { loadPipeline, PipelineError, formatProblem } = await import('../../pipelines/index.js');
  try {
    return await loadPipeline(file);
  } catch (error) {
    if (error instanceof PipelineError) {
      process.stderr.write(error.problems.map((p) => `${formatProblem(p)}\n`).join(''));
      throw new PipelineProblemsError(file, error.problems.length);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`no pipeline file ${file}`);
    if (code === 'EISDIR') throw new UsageError(`${file} is a directory, not a pipeline file`);
    throw error;
  }
}

/** "pipeline orders-etl: 3 topics, 1 source, 2 streams (7 steps), 1 sink, in memory". */
export function summarize(p: Pipeline): string {
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  const steps = p.streams.reduce((sum, s) => sum + s.steps.length, 0);
  const parts = [n(p.topics.size, 'topic'), n(p.sources.length, 'source'), `${n(p.streams.length, 'stream')} (${n(steps, 'step')})`, n(p.sinks.length, 'sink')];
  const where = p.engine.inMemory ? ', in memory' : p.engine.dataDir !== undefined ? `, data in ${p.engine.dataDir}` : '';
  return `pipeline ${p.name}: ${parts.join(', ')}${where}`;
}
