/**
 * `sluice run FILE`: validates a pipeline file (every problem printed, exit 2, nothing started),
 * then runs it — topics, sources, streams, sinks — until SIGINT/SIGTERM, which stops it gracefully
 * (sources store their positions, streams commit, sinks flush and commit) and exits 0. With
 * `--until-idle` it runs a batch job: it exits 0 once every source is drained, every stream caught
 * up and every sink flushed. A failure stops everything and exits 1.
 */
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import { resolveDataDir } from '../data-dir.js';
import { loadValidPipeline } from './validate.js';

interface RunOptions {
  untilIdle?: boolean;
  idleMs: number;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a pipeline file until interrupted or, with --until-idle, until every source is drained')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .option('--until-idle', 'exit once every source is drained, every stream caught up and every sink flushed (batch jobs)')
    .option('--idle-ms <ms>', 'with --until-idle: how long everything must stay idle', positiveInteger('--idle-ms', 'idle time'), 1000)
    .addHelpText(
      'after',
      [
        '',
        'The pipeline\'s engine.data_dir (or engine.in_memory) wins over --data-dir.',
        '',
        'Examples:',
        '  $ sluice run orders.yaml',
        '  $ INPUT_DIR=./in sluice run --until-idle orders.yaml',
        '  $ sluice validate orders.yaml && sluice schema > pipeline.schema.json',
      ].join('\n'),
    )
    .action(async (file: string, options: RunOptions, command: Command) => {
      const pipeline = await loadValidPipeline(file);
      const { runPipeline } = await import('../../pipelines/run-pipeline.js');
      const stopping = new AbortController();
      const onSignal = (): void => stopping.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runPipeline(pipeline, {
          dataDir: resolveDataDir(pipeline.engine.dataDir ?? command.optsWithGlobals<{ dataDir: string }>().dataDir),
          untilIdle: options.untilIdle === true,
          idleMs: options.idleMs,
          signal: stopping.signal,
          status: process.stderr,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
