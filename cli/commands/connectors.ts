/**
 * `sluice connectors list|status|start|pause|resume|restart|stop`: controls the connectors of a
 * running `sluice connect --rest-port` process through its REST API (see
 * `connect-control/control-server.ts`), as Kafka Connect's REST API is used with curl.
 */
import type { Command } from 'commander';
import type { ConnectorStatus } from '../../connectors/index.js';
import { UsageError } from '../errors.js';
import { formatCount } from '../status-line.js';
import { formatTable } from '../table.js';
import { printConfigProblems } from '../config-problems.js';

const DEFAULT_URL = 'http://127.0.0.1:8083';

interface UrlOptions {
  url: string;
}

/** A status as the REST API sends it: errors as their messages. */
type StatusJson = Omit<ConnectorStatus, 'error' | 'retrying'> & { error?: string; retrying?: { attempt: number; error: string } };

/** Sends a request to the control API; throws its error message (or why it is unreachable). */
async function call(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  } catch (error) {
    throw new Error(`cannot reach the connector REST API at ${url} (is "sluice connect --rest-port" running?): ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) throw new Error((json as { message?: string } | undefined)?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return json;
}

const connectorPath = (name: string, action = ''): string => `/connectors/${encodeURIComponent(name)}${action}`;

function statusTable(statuses: readonly StatusJson[]): string {
  return formatTable(
    ['NAME', 'TYPE', 'STATE', 'IN', 'OUT', 'FAILED', 'LAG', 'NOTE'],
    statuses.map((s) => [
      s.name,
      s.connector,
      s.state,
      formatCount(s.recordsIn),
      formatCount(s.recordsOut),
      formatCount(s.recordsFailed),
      s.lag === undefined ? '-' : formatCount(s.lag),
      s.error ?? (s.retrying ? `retrying (attempt ${s.retrying.attempt}): ${s.retrying.error}` : ''),
    ]),
  );
}

export function registerConnectorsCommand(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('list, inspect, start, pause, resume, restart and stop the connectors of a running "sluice connect --rest-port"')
    .addHelpText('after', `\nThe process to talk to: --url (env SLUICE_CONNECT_URL, default ${DEFAULT_URL}).\n\nExamples:\n  $ sluice connect --rest-port 8083 logs.yaml &\n  $ sluice connectors list\n  $ sluice connectors pause logs-in\n  $ sluice connectors start archive.yaml`);
  const withUrl = (c: Command): Command => c.option('--url <url>', 'the REST API of "sluice connect --rest-port"', process.env.SLUICE_CONNECT_URL ?? DEFAULT_URL);

  withUrl(connectors.command('list'))
    .description('every connector with its state, records in/out/failed and lag')
    .option('--json', 'print the statuses as JSON')
    .addHelpText('after', '\nExample:\n  $ sluice connectors list --url http://127.0.0.1:8083')
    .action(async (options: UrlOptions & { json?: boolean }) => {
      const names = (await call(options.url, 'GET', '/connectors')) as string[];
      const statuses = await Promise.all(names.map(async (n) => (await call(options.url, 'GET', connectorPath(n, '/status'))) as StatusJson));
      process.stdout.write(options.json ? `${JSON.stringify(statuses, null, 2)}\n` : statusTable(statuses));
    });

  withUrl(connectors.command('status'))
    .description("one connector's status")
    .argument('<name>', 'connector name')
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExample:\n  $ sluice connectors status logs-in --json')
    .action(async (name: string, options: UrlOptions & { json?: boolean }) => {
      const status = (await call(options.url, 'GET', connectorPath(name, '/status'))) as StatusJson;
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : statusTable([status]));
    });

  withUrl(connectors.command('start'))
    .description('start a connector from a config file (YAML or JSON), validated here first')
    .argument('<config>', 'connector config file')
    .addHelpText('after', '\nExample:\n  $ sluice connectors start archive.yaml')
    .action(async (file: string, options: UrlOptions) => {
      const c = await import('../../connectors/index.js');
      let config: unknown;
      try {
        const read = await c.readConfigFile(file);
        config = read.config;
        c.validateConfigs(new c.ConfigValidator(c.createRegistry()), [{ config, options: { source: file, locate: read.locate } }]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no config file ${file}`);
        if (error instanceof c.ConnectorConfigError) {
          await printConfigProblems(error.problems);
          throw new UsageError(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in ${file}; nothing was started`);
        }
        throw error;
      }
      const status = (await call(options.url, 'POST', '/connectors', config)) as StatusJson;
      process.stdout.write(statusTable([status]));
    });

  for (const [action, description, method, suffix] of [
    ['pause', 'stop polling or fetching (records in flight still complete)', 'PUT', '/pause'],
    ['resume', 'resume a paused connector', 'PUT', '/resume'],
    ['restart', 'stop and start a connector again with its config (e.g. after a failure)', 'POST', '/restart'],
    ['stop', 'stop a connector gracefully (positions stored, offsets committed)', 'DELETE', ''],
  ] as const) {
    withUrl(connectors.command(action))
      .description(description)
      .argument('<name>', 'connector name')
      .addHelpText('after', `\nExample:\n  $ sluice connectors ${action} logs-in`)
      .action(async (name: string, options: UrlOptions) => {
        await call(options.url, method, connectorPath(name, suffix));
        process.stderr.write(`${action}: ${name}\n`);
      });
  }
}
