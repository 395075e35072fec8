/**
 * `sluice run FILE`: validates a pipeline file (every problem printed, exit 2, nothing started),
 * then runs it — topics, sources, streams, sinks — until SIGINT/SIGTERM, which stops it gracefully
 * (sources store their positions, streams commit, sinks flush and commit) and exits 0. With
 * `--until-idle` it runs a batch job: it exits 0 once every source is drained, every stream caught
 * up and every sink flushed — the input having ended, `on_window_close` windows are closed and
 * their final records written first. A failure stops everything and exits 1.
 *
 * A live status line is drawn on stderr when it is a terminal; at the end, a summary (records in
 * and out, where they went, time) is printed on stdout.
 */
import type { Command } from 'commander';
import type { ConnectorStatus } from '../../connectors/index.js';
import type { Pipeline, PipelineRunSummary, PipelineStatus } from '../../pipelines/index.js';
import { nonNegativeInteger, positiveInteger } from '../arguments.js';
import { withMetricsServer } from '../metrics/metrics-server.js';
import type { LogOptions } from '../observability/logger.js';
import { addLogOptions, withLogging } from '../observability/with-logging.js';
import { resolveDataDir } from '../data-dir.js';
import { formatCount } from '../status-line.js';
import { loadValidPipeline } from './validate.js';

interface RunOptions extends LogOptions {
  metricsPort?: number;
  untilIdle?: boolean;
  idleMs: number;
}

export function registerRunCommand(program: Command): void {
  addLogOptions(program.command('run'))
    .description('run a pipeline file until interrupted or, with --until-idle, until every source is drained')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .option('--until-idle', 'exit once every source is drained, every stream caught up and every sink flushed (batch jobs); on_window_close windows close then')
    .option('--idle-ms <ms>', 'with --until-idle: how long everything must stay idle', positiveInteger('--idle-ms', 'idle time'), 1000)
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free port, printed on stderr)', nonNegativeInteger('--metrics-port', 'port'))
    .addHelpText(
      'after',
      [
        '',
        "The pipeline's engine.data_dir (or engine.in_memory) wins over --data-dir.",
        'File format: docs/pipeline-files.md; check a file with "sluice validate".',
        '',
        'Examples:',
        '  $ sluice run orders.yaml',
        '  $ INPUT_DIR=./in sluice run --until-idle orders.yaml',
        '  $ sluice run --metrics-port 9464 orders.yaml   # curl http://127.0.0.1:9464/metrics',
        '  $ sluice run --log-level info --log-format json orders.yaml 2> run.log',
      ].join('\n'),
    )
    .action(async (file: string, options: RunOptions, command: Command) => {
      const pipeline = await loadValidPipeline(file);
      const { runPipeline } = await import('../../pipelines/index.js');
      const stopping = new AbortController();
      const onSignal = (): void => stopping.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const tty = process.stderr.isTTY === true;
      let drawn = false;
      try {
        const summary = await withLogging(options, (logger) => withMetricsServer(options.metricsPort, () => {
          logger.info(`pipeline ${pipeline.name} starting`, { file, untilIdle: options.untilIdle === true });
          return runPipeline(pipeline, {
            dataDir: resolveDataDir(pipeline.engine.dataDir ?? command.optsWithGlobals<{ dataDir: string }>().dataDir),
            untilIdle: options.untilIdle === true,
            idleMs: options.idleMs,
            signal: stopping.signal,
            onStatus: tty
              ? (status) => {
                  drawn = true;
                  process.stderr.write(`\r\x1b[2K${statusLine(status).slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1))}`);
                }
              : undefined,
          }).then((summary) => {
            logger.info(`pipeline ${pipeline.name} stopped`, { recordsIn: summary.recordsIn, recordsOut: summary.recordsOut, durationMs: summary.durationMs, stoppedBy: summary.stoppedBy });
            return summary;
          });
        }));
        if (drawn) process.stderr.write('\r\x1b[2K');
        process.stdout.write(summaryText(pipeline, summary));
      } finally {
        if (drawn) process.stderr.write('\r\x1b[2K');
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function statusLine(s: PipelineStatus): string {
  const parts = s.connectors.filter((c) => c.kind === 'source').map((c) => `${c.name} ${formatCount(c.recordsOut)}`);
  if (s.streams) parts.push(`streams ${formatCount(s.streams.recordsIn)} in, ${formatCount(s.streams.recordsOut)} out, lag ${formatCount(s.streams.lag)}`);
  parts.push(...s.connectors.filter((c) => c.kind === 'sink').map((c) => `${c.name} ${formatCount(c.recordsOut)}${c.lag ? ` (lag ${formatCount(c.lag)})` : ''}`));
  return parts.join(' · ');
}

/**
 * The end-of-run summary:
 *   pipeline orders-etl: 1,000 records in, 42 out, 1.3 s (drained)
 *     source orders-in: 1,000 records → topic orders
 *     streams: 1,000 records processed, 42 written
 *     sink totals-out: 42 records → ./out/totals.jsonl
 */
export function summaryText(pipeline: Pipeline, s: PipelineRunSummary): string {
  const records = (n: number): string => `${formatCount(n)} record${n === 1 ? '' : 's'}`;
  const lines = [`pipeline ${s.name}: ${records(s.recordsIn)} in, ${formatCount(s.recordsOut)} out, ${(s.durationMs / 1000).toFixed(1)} s${s.stoppedBy === 'idle' ? ' (drained)' : ''}`];
  const byName = new Map(s.connectors.map((c) => [c.name, c]));
  for (const source of pipeline.sources) {
    const c = byName.get(source.config.name);
    lines.push(`  source ${source.config.name}: ${records(c?.recordsOut ?? 0)} → topic ${source.config.topic}${failures(c)}`);
  }
  if (s.streams) lines.push(`  streams: ${records(s.streams.recordsIn)} processed, ${formatCount(s.streams.recordsOut)} written${s.streams.lateRecords > 0 ? `, ${formatCount(s.streams.lateRecords)} late` : ''}`);
  for (const sink of pipeline.sinks) {
    const c = byName.get(sink.config.name);
    lines.push(`  sink ${sink.config.name}: ${records(c?.recordsOut ?? 0)} → ${destination(sink.config)}${failures(c)}`);
  }
  return `${lines.join('\n')}\n`;
}

function failures(c: ConnectorStatus | undefined): string {
  return c && c.recordsFailed > 0 ? ` (${formatCount(c.recordsFailed)} failed)` : '';
}

function destination(config: Record<string, unknown>): string {
  if (typeof config['file.path'] === 'string') return config['file.path'];
  if (typeof config['nats.subject'] === 'string') return `subject ${config['nats.subject']}`;
  return String(config.connector);
}
