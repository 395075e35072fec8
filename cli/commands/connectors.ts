/**
 * `sluice connectors list|status|start|pause|resume|restart|stop|delete|offsets`: drives the
 * connectors of a running `sluice connect --rest-port` through Kafka Connect's REST API (see
 * `connect-control/`), as curl or kcctl would. The same commands work against any Kafka Connect
 * worker for the Kafka parts (state, worker, trace); IN/OUT/FAILED/LAG come from sluice's
 * `?expand=progress` and show `-` elsewhere.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatCount } from '../status-line.js';
import { formatTable } from '../table.js';

const DEFAULT_URL = 'http://127.0.0.1:8083';

interface UrlOptions {
  url: string;
  token?: string;
}

/** One connector as `GET /connectors?expand=status&expand=info&expand=progress` answers it. */
interface Expanded {
  status: { name: string; connector: { state: string; trace?: string }; tasks: { state: string; trace?: string }[]; type: string };
  info?: { config: Record<string, unknown> };
  progress?: { records_in: number; records_out: number; records_failed: number; lag?: number; error?: string; retrying?: { attempt: number; error: string } };
}

/** Sends a request to the REST API; throws its error message (or why it is unreachable). */
async function call(options: UrlOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  try {
    res = await fetch(new URL(path, options.url), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new Error(`cannot reach the connector REST API at ${options.url} (is "sluice connect --rest-port" running?): ${cause}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new Error((json as { message?: string } | undefined)?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return json;
}

const connectorPath = (name: string, action = ''): string => `/connectors/${encodeURIComponent(name)}${action}`;
const count = (n: number | undefined): string => (n === undefined ? '-' : formatCount(n));

function statusTable(entries: readonly Expanded[]): string {
  return formatTable(
    ['NAME', 'TYPE', 'STATE', 'IN', 'OUT', 'FAILED', 'LAG', 'NOTE'],
    entries.map(({ status, info, progress: p }) => {
      const failed = status.connector.trace ?? status.tasks.find((t) => t.trace)?.trace;
      const type = info?.config.connector ?? info?.config['connector.class'] ?? status.type;
      return [
        status.name,
        String(type),
        status.connector.state.toLowerCase(),
        count(p?.records_in),
        count(p?.records_out),
        count(p?.records_failed),
        count(p?.lag),
        p?.error ?? (p?.retrying ? `retrying (attempt ${p.retrying.attempt}): ${p.retrying.error}` : (failed?.split('\n')[0] ?? '')),
      ];
    }),
  );
}

async function expanded(options: UrlOptions): Promise<Record<string, Expanded>> {
  return (await call(options, 'GET', '/connectors?expand=status&expand=info&expand=progress')) as Record<string, Expanded>;
}

export function registerConnectorsCommand(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('list, inspect, start, pause, resume, restart, stop and delete the connectors of a running "sluice connect --rest-port"')
    .addHelpText(
      'after',
      [
        '',
        `The process to talk to: --url (env SLUICE_CONNECT_URL, default ${DEFAULT_URL}); its token: --token (env SLUICE_REST_TOKEN).`,
        'For an HTTPS listener with a private CA, point NODE_EXTRA_CA_CERTS at the CA certificate.',
        '',
        'Examples:',
        '  $ sluice connect --rest-port 8083 logs.yaml &',
        '  $ sluice connectors list',
        '  $ sluice connectors pause logs-in',
        '  $ sluice connectors start archive.yaml',
        '  $ curl -s http://127.0.0.1:8083/connectors/logs-in/status   # Kafka Connect\'s REST API',
      ].join('\n'),
    );
  const withUrl = (c: Command): Command =>
    c.option('--url <url>', 'the REST API of "sluice connect --rest-port"', process.env.SLUICE_CONNECT_URL ?? DEFAULT_URL).option('--token <token>', 'bearer token of the REST API', process.env.SLUICE_REST_TOKEN || undefined);

  withUrl(connectors.command('list'))
    .description('every connector with its state, records in/out/failed and lag')
    .option('--json', 'print GET /connectors?expand=status&expand=info&expand=progress')
    .addHelpText('after', '\nExample:\n  $ sluice connectors list --url http://127.0.0.1:8083')
    .action(async (options: UrlOptions & { json?: boolean }) => {
      const all = await expanded(options);
      process.stdout.write(options.json ? `${JSON.stringify(all, null, 2)}\n` : statusTable(Object.values(all)));
    });

  withUrl(connectors.command('status'))
    .description("one connector's status")
    .argument('<name>', 'connector name')
    .option('--json', 'print { status, info, progress } as JSON')
    .addHelpText('after', '\nExample:\n  $ sluice connectors status logs-in --json')
    .action(async (name: string, options: UrlOptions & { json?: boolean }) => {
      const [status, info, progress] = await Promise.all(['/status', '', '/progress'].map((p) => call(options, 'GET', connectorPath(name, p))));
      const entry = { status, info, progress } as Expanded;
      process.stdout.write(options.json ? `${JSON.stringify(entry, null, 2)}\n` : statusTable([entry]));
    });

  withUrl(connectors.command('start'))
    .description('start a connector from a config file (YAML or JSON), validated here first')
    .argument('<config>', 'connector config file')
    .addHelpText('after', '\nExample:\n  $ sluice connectors start archive.yaml')
    .action(async (file: string, options: UrlOptions) => {
      const c = await import('../../connectors/index.js');
      let config: Record<string, unknown>;
      try {
        const read = await c.readConfigFile(file);
        config = read.config as Record<string, unknown>;
        c.validateConfigs(new c.ConfigValidator(c.createRegistry()), [{ config, options: { source: file, locate: read.locate } }]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no config file ${file}`);
        if (error instanceof c.ConnectorConfigError) {
          process.stderr.write(`${error.message}\n`);
          throw new UsageError(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in ${file}; nothing was started`);
        }
        throw error;
      }
      const name = config.name as string;
      await call(options, 'POST', '/connectors', { name, config });
      const all = await expanded(options);
      process.stdout.write(statusTable(all[name] ? [all[name]] : []));
    });

  for (const [action, description, method, suffix] of [
    ['pause', 'stop polling or fetching (records in flight still complete)', 'PUT', '/pause'],
    ['resume', 'resume a paused or stopped connector', 'PUT', '/resume'],
    ['restart', 'restart a connector with its config (e.g. after a failure)', 'POST', '/restart'],
    ['stop', 'stop a connector gracefully (positions stored, offsets committed); it stays listed, STOPPED', 'PUT', '/stop'],
    ['delete', 'stop a connector gracefully and remove it', 'DELETE', ''],
  ] as const) {
    withUrl(connectors.command(action))
      .description(description)
      .argument('<name>', 'connector name')
      .addHelpText('after', `\nExample:\n  $ sluice connectors ${action} logs-in`)
      .action(async (name: string, options: UrlOptions) => {
        await call(options, method, connectorPath(name, suffix));
        process.stderr.write(`${action}: ${name}\n`);
      });
  }

  withUrl(connectors.command('offsets'))
    .description("a connector's stored positions (source) or committed offsets (sink), as JSON")
    .argument('<name>', 'connector name')
    .addHelpText('after', '\nExample:\n  $ sluice connectors offsets logs-in')
    .action(async (name: string, options: UrlOptions) => {
      process.stdout.write(`${JSON.stringify(await call(options, 'GET', connectorPath(name, '/offsets')), null, 2)}\n`);
    });
}
