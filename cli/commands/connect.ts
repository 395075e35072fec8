/**
 * `sluice connect CONFIG...`: runs connectors standalone (Kafka Connect's `connect-standalone`)
 * from YAML or JSON config files until SIGINT/SIGTERM, which stops them gracefully (sources store
 * their positions, sinks commit) and exits 0. With `--until-idle` it exits 0 once every source is
 * drained and every sink caught up — for batch jobs; a signal before that stops it as gracefully
 * but exits 130 (SIGINT) or 143 (SIGTERM), since the batch did not complete. Every config is validated before anything
 * starts; all problems are printed (with file:line) and the exit code is 2. A connector that fails
 * stops the others and exits 1.
 *
 * A live status line is drawn on stderr when it is a terminal; piped, the command is quiet.
 * `--console HOST:PORT` serves the web console over the data directory meanwhile, the connectors
 * on its pipeline page with pause, resume and restart buttons (as `sluice run --console`).
 */
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../arguments.js';
import { hostPort, type HostPort } from '../host-port.js';
import { addRestOptions, restServerOptions, type RestOptions } from '../connect-control/rest-options.js';
import { withMetricsServer } from '../metrics/metrics-server.js';
import type { LogOptions } from '../observability/logger.js';
import { printConfigProblems } from '../config-problems.js';
import { addLogOptions, withLogging } from '../observability/with-logging.js';
import { engineTarget, openForWriting, withCluster } from '../data-dir.js';
import { InterruptedError, UsageError } from '../errors.js';
import { Rates, startStatusLine } from '../status-line.js';
import { connectorStatusText } from '../status-text.js';
import { whenQuiescent } from '../../pipelines/when-quiescent.js';

interface ConnectOptions extends LogOptions, RestOptions {
  metricsPort?: number;
  metricsHost: string;
  untilIdle?: boolean;
  idleMs: number;
  validate?: boolean;
  list?: boolean;
  schema?: string;
  console?: HostPort;
}

export function registerConnectCommand(program: Command): void {
  addRestOptions(addLogOptions(program.command('connect')))
    .description('run connectors (file, nats, jetstream) from config files until interrupted or, with --until-idle, until done')
    .argument('[config...]', 'connector config files (YAML or JSON), one connector each')
    .option('--until-idle', 'exit once every source is drained and every sink caught up')
    .option('--idle-ms <ms>', 'with --until-idle, for sources that cannot tell they are drained (nats, jetstream): how long everything must stay idle', positiveInteger('--idle-ms', 'idle time'), 1000)
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free port, printed on stderr)', nonNegativeInteger('--metrics-port', 'port'))
    .option('--metrics-host <host>', 'the address the metrics listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--console <host:port>', 'serve the web console (sluice console) over the data directory while the connectors run, with their state and pause/resume/restart buttons on its pipeline page (prints "console at URL"; env SLUICE_CONSOLE_TOKEN requires a token)', hostPort('--console'))
    .option('--validate', 'only validate the configs, start nothing')
    .option('--list', 'list the connector types and exit')
    .option('--schema <type>', 'print the JSON Schema of a connector type\'s configs and exit')
    .addHelpText(
      'after',
      [
        '',
        'Example config (logs.yaml):',
        '  name: app-logs',
        '  connector: file-source',
        '  topic: logs',
        '  file.path: /var/log/app/*.log',
        '',
        'Examples:',
        '  $ sluice connect logs.yaml archive.yaml',
        '  $ sluice connect --until-idle import.yaml',
        '  $ sluice connect --metrics-port 9464 logs.yaml   # curl http://127.0.0.1:9464/metrics',
        '  $ sluice connect --rest-port 8083 logs.yaml      # then: sluice connectors list|pause|resume|stop …',
        '  $ sluice connect --console 127.0.0.1:8080 logs.yaml   # then open http://127.0.0.1:8080/#/pipeline',
        '  $ SLUICE_REST_TOKEN=s3cret sluice connect --rest-port 8083 --rest-host 0.0.0.0 --rest-tls-cert cert.pem --rest-tls-key key.pem logs.yaml',
        '  $ sluice connect --log-level info --log-format json logs.yaml',
      ].join('\n'),
    )
    .action(async (files: string[], options: ConnectOptions, command: Command) => {
      const connectors = await import('../../connectors/index.js');
      if (options.list || options.schema !== undefined) {
        const validator = new connectors.ConfigValidator(connectors.createRegistry());
        if (options.list) {
          for (const t of connectors.CONNECTOR_TYPES) process.stdout.write(`${t.name.padEnd(18)} ${t.kind.padEnd(6)} ${t.description}\n`);
          return;
        }
        const type = connectors.CONNECTOR_TYPES.find((t) => t.name === options.schema);
        if (!type) throw new UsageError(`unknown connector type "${options.schema}" (known: ${connectors.CONNECTOR_TYPES.map((t) => t.name).join(', ')})`);
        process.stdout.write(`${JSON.stringify(validator.schemaOf(type), null, 2)}\n`);
        return;
      }
      if (files.length === 0 && options.restPort === undefined) throw new UsageError('name at least one connector config file (or --rest-port to start them later, --list, --schema TYPE)');
      // Read and validate every config (syntax, schema, duplicate names) before opening the data directory.
      const entries: { config: unknown; options: { source: string; locate: import('../../connectors/index.js').Locator } }[] = [];
      const problems: import('../../connectors/index.js').ConfigProblemLocation[] = [];
      for (const file of files) {
        try {
          const { config, locate } = await connectors.readConfigFile(file);
          entries.push({ config, options: { source: file, locate } });
        } catch (error) {
          if (error instanceof connectors.ConnectorConfigError) problems.push(...error.problems);
          else if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no config file ${file}`);
          else throw error;
        }
      }
      try {
        connectors.validateConfigs(new connectors.ConfigValidator(connectors.createRegistry()), entries);
      } catch (error) {
        if (!(error instanceof connectors.ConnectorConfigError)) throw error;
        problems.push(...error.problems);
      }
      if (problems.length > 0) {
        await printConfigProblems(problems);
        throw new UsageError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files.length === 1 ? files[0] : 'the connector configs'}; nothing was started`);
      }
      const rest = restServerOptions(options);
      if (options.validate) {
        process.stderr.write(`${files.length} config${files.length === 1 ? '' : 's'} valid\n`);
        return;
      }
      const dataDir = engineTarget(command);
      await withLogging(options, () => withMetricsServer(options.metricsPort === undefined ? undefined : { port: options.metricsPort, host: options.metricsHost }, () => withCluster(openForWriting(dataDir, { create: true }), async (cluster) => {
        let failure: { name: string; error: Error } | null = null;
        const stopping = new AbortController();
        const runtime = connectors.createConnectRuntime(cluster, {
          // A batch job: file sources read the files there now and say when they are drained.
          batch: options.untilIdle === true,
          onFailed: (name, error) => {
            failure ??= { name, error };
            stopping.abort();
          },
        });
        let signalled: NodeJS.Signals | null = null;
        const onSignal = (signal: NodeJS.Signals): void => {
          signalled ??= signal;
          stopping.abort();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const control = rest === null ? null : await (await import('../connect-control/control-server.js')).startControlServer(runtime, rest);
        if (control) process.stderr.write(`rest: ${control.url}\n`);
        const closeConsole = options.console ? await startConnectConsole(cluster, options.console, runtime) : null;
        const rates = new Rates();
        const status = startStatusLine(process.stderr, () => runtime.statuses().map((s) => connectorStatusText(s, rates.rate(s.name, s.recordsOut))));
        try {
          await runtime.start(entries);
          if (options.untilIdle) {
            // As `sluice run --until-idle`: once the sources are drained, done when the sinks have
            // written everything; only a source that cannot tell (NATS) needs an idle period.
            const sources = runtime.statuses().filter((s) => s.kind === 'source').map((s) => s.name);
            const sinks = runtime.statuses().filter((s) => s.kind === 'sink').map((s) => s.name);
            if (await runtime.whenDrained(sources, stopping.signal)) await whenQuiescent({ cluster, runtime, app: null, sinks, signal: stopping.signal });
            else if (!stopping.signal.aborted) {
              await runtime.whenIdle({ signal: stopping.signal, settleMs: options.idleMs }).catch((error: unknown) => {
                if (!stopping.signal.aborted) throw error;
              });
            }
          } else {
            await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
          }
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await control?.close();
          await closeConsole?.();
          await runtime.close();
          status.stop();
          if (process.stderr.isTTY) for (const s of runtime.statuses()) process.stderr.write(`${connectorStatusText(s)}\n`);
        }
        if (failure) {
          const { name, error } = failure as { name: string; error: Error };
          throw new connectors.ConnectorFailedError(name, error);
        }
        if (options.untilIdle && signalled !== null) throw new InterruptedError(signalled, 'connect');
      })));
    });
}

/** `--console`: the connectors on the console's pipeline page, their status read when the page asks (rates between two reads). */
async function startConnectConsole(cluster: import('../../core/index.js').Cluster, address: HostPort, runtime: import('../../connectors/index.js').ConnectRuntime): Promise<() => Promise<void>> {
  const { PipelineWatch } = await import('../console/pipeline-view.js');
  const { startAttachedConsole } = await import('../console/attached-console.js');
  const watch = new PipelineWatch('sluice connect');
  const pipeline = (): import('../console/pipeline-view.js').PipelineView => {
    watch.update({ connectors: runtime.statuses() });
    return watch.view();
  };
  return startAttachedConsole(cluster, address, { engine: 'sluice connect', pipeline, connectors: runtime });
}
