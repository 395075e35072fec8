/**
 * `sluice run FILE`: validates a pipeline file (every problem printed, exit 2, nothing started),
 * then runs it — topics, sources, streams, sinks — until SIGINT/SIGTERM, which stops it gracefully
 * (sources store their positions, streams commit, sinks flush and commit) and exits 0. With
 * `--until-idle` it runs a batch job: it exits 0 once every source is drained, every stream caught
 * up and every sink flushed — the input having ended, `on_window_close` windows are closed and
 * their final records written first (a source that read nothing is named on stderr); a signal
 * before that stops it as gracefully but exits 130 (SIGINT) or 143 (SIGTERM), since the batch did
 * not complete. A failure stops everything and exits 1.
 *
 * Live status lines (one per source, stream and sink: total, records/s, lag) are drawn on stderr
 * when it is a terminal; at the end, a summary (records in and out, where they went, time) is
 * printed on stdout.
 */
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../arguments.js';
import { withMetricsServer } from '../metrics/metrics-server.js';
import type { LogOptions } from '../observability/logger.js';
import { addLogOptions, withLogging } from '../observability/with-logging.js';
import { engineTarget, resolveDataDir, type EngineTarget } from '../data-dir.js';
import { hostPort, type HostPort } from '../host-port.js';
import { statusLines, summaryText } from '../status-text.js';
import { LiveLines, Rates } from '../status-line.js';
import { InterruptedError } from '../errors.js';
import { loadValidPipeline, printInputWarnings } from './validate.js';
import type { RunPipelineOptions } from '../../pipelines/index.js';

type RunPipelineEngine = Pick<RunPipelineOptions, 'dataDir' | 'bootstrapServers' | 'sasl' | 'jetstream'>;

interface RunOptions extends LogOptions {
  metricsPort?: number;
  metricsHost: string;
  listen?: HostPort;
  console?: HostPort;
  untilIdle?: boolean;
  idleMs: number;
}

export function registerRunCommand(program: Command): void {
  addLogOptions(program.command('run'))
    .description('run a pipeline file until interrupted or, with --until-idle, until every source is drained')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .option('--until-idle', 'exit once every source is drained, every stream caught up and every sink flushed (batch jobs); on_window_close windows close then')
    .option('--idle-ms <ms>', 'with --until-idle and a source that cannot tell when its input ended (NATS, JetStream): how long everything must stay idle (file sources end the run once drained)', positiveInteger('--idle-ms', 'idle time'), 1000)
    .option('--console <host:port>', 'serve the web console (sluice console) over this pipeline\'s engine while it runs (prints "console at URL"; env SLUICE_CONSOLE_TOKEN requires a token)', hostPort('--console'))
    .option('--listen <host:port>', "serve Kafka's wire protocol on this address while the pipeline runs (prints \"listening on HOST:PORT\"; port 0: any free port)", hostPort('--listen'))
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free port, printed on stderr)', nonNegativeInteger('--metrics-port', 'port'))
    .option('--metrics-host <host>', 'the address the metrics listen on (0.0.0.0: every interface)', '127.0.0.1')
    .addHelpText(
      'after',
      [
        '',
        "The pipeline's engine section (data_dir, in_memory, bootstrap_servers or jetstream) wins over --data-dir;",
        '-b/--bootstrap-server and --jetstream win over the engine section.',
        'File format: docs/pipeline-files.md; check a file with "sluice validate".',
        '',
        'Examples:',
        '  $ sluice run orders.yaml',
        '  $ INPUT_DIR=./in sluice run --until-idle orders.yaml',
        '  $ sluice run --metrics-port 9464 orders.yaml   # curl http://127.0.0.1:9464/metrics',
        '  $ sluice run --listen 127.0.0.1:9092 orders.yaml   # kcat -b 127.0.0.1:9092 -C -t orders',
        '  $ sluice -b kafka-1:9092 run orders.yaml            # on a sluice broker or a Kafka-compatible cluster',
        '  $ sluice run --log-level info --log-format json orders.yaml 2> run.log',
      ].join('\n'),
    )
    .action(async (file: string, options: RunOptions, command: Command) => {
      const pipeline = await loadValidPipeline(file);
      await printInputWarnings(pipeline);
      const { runPipeline } = await import('../../pipelines/index.js');
      const stopping = new AbortController();
      let signalled: NodeJS.Signals | null = null;
      const onSignal = (signal: NodeJS.Signals): void => {
        signalled ??= signal;
        stopping.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const live = process.stderr.isTTY === true ? new LiveLines(process.stderr) : null;
      const rates = new Rates();
      const watch = options.console ? new (await import('../console/pipeline-view.js')).PipelineWatch(pipeline.name) : null;
      try {
        const summary = await withLogging(options, (logger) => withMetricsServer(options.metricsPort === undefined ? undefined : { port: options.metricsPort, host: options.metricsHost }, () => {
          logger.info(`pipeline ${pipeline.name} starting`, { file, untilIdle: options.untilIdle === true });
          return runPipeline(pipeline, {
            ...runEngine(pipeline.engine.dataDir, engineTarget(command)),
            untilIdle: options.untilIdle === true,
            idleMs: options.idleMs,
            signal: stopping.signal,
            onStatus:
              live || watch
                ? (status) => {
                    watch?.update(status);
                    live?.draw(statusLines(pipeline, status, rates));
                  }
                : undefined,
            onEngine: options.console
              ? async (cluster, runtime) => (await import('../console/attached-console.js')).startAttachedConsole(cluster, options.console!, { engine: `pipeline ${pipeline.name}`, pipeline: () => watch!.view(), connectors: runtime })
              : undefined,
            listen: options.listen && {
              host: options.listen.host,
              port: options.listen.port,
              log: (line) => logger.warn(line),
              onListening: ({ host, port }) => process.stdout.write(`listening on ${host}:${port}\n`),
            },
          }).then((summary) => {
            logger.info(`pipeline ${pipeline.name} stopped`, { recordsIn: summary.recordsIn, recordsOut: summary.recordsOut, durationMs: summary.durationMs, stoppedBy: summary.stoppedBy });
            return summary;
          });
        }));
        live?.clear();
        process.stdout.write(summaryText(pipeline, summary));
        if (options.untilIdle) {
          // A batch run that read nothing is most often a mistake (a path, a subject): say so.
          for (const c of summary.connectors) {
            if (c.kind === 'source' && c.recordsIn === 0) process.stderr.write(`${pipeline.file}: warning: source "${c.name}" read nothing\n`);
          }
        }
        if (options.untilIdle && summary.stoppedBy === 'signal') throw new InterruptedError(signalled ?? 'SIGTERM', `pipeline ${pipeline.name}`);
      } finally {
        live?.clear();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** `-b` or `--jetstream` runs the pipeline on that cluster whatever its file says; else the file's data_dir comes before --data-dir. */
function runEngine(fileDataDir: string | undefined, target: EngineTarget): RunPipelineEngine {
  if (typeof target !== 'string') return target;
  return { dataDir: fileDataDir === undefined ? target : resolveDataDir(fileDataDir) };
}
