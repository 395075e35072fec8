/**
 * `sluice console`'s web server on node:http: the page (an HTML shell, its stylesheet inline, and
 * its scripts as static files from this package — nothing from a CDN, works offline), the JSON API
 * (`console-api.ts`) and the live tail's server-sent events. Guarded as the connector REST API is
 * (`RequestGuard`): loopback by default, the Host header must name this server (no DNS rebinding),
 * cross-origin requests are refused, a body must be JSON (so a form on another site cannot post
 * one without a preflight, which the Origin check refuses). With a token (`ConsoleToken`) every
 * request needs it, the event stream too. Reads are GETs; the few writes are POSTs.
 */
import type http from 'node:http';
import { SluiceError, type Cluster } from '../../core/index.js';
import { InvalidConfigError, InvalidRecordError, RecordTooLargeError, UnknownPartitionError, UnknownTopicError } from '../../core/index.js';
import { parseRequest } from '../connect-control/api-request.js';
import { HttpError } from '../connect-control/http-error.js';
import { RequestGuard } from '../connect-control/request-guard.js';
import { UsageError } from '../errors.js';
import { listen, type ListeningServer } from '../http-listen.js';
import { handleApi, type ConsoleContext, type WithWriter } from './console-api.js';
import { ConsoleHistory, type ConsoleHistoryOptions } from './console-history.js';
import { CONSOLE_PAGE, CONSOLE_SCRIPTS } from './console-page.js';
import { ConsoleToken } from './console-token.js';
import { PipelineConnectors, type ConnectorControl } from './pipeline-connectors.js';

export interface ConsoleOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0: any free port. */
  port: number;
  /** Required on every request when set. */
  token?: string;
  /**
   * How a write gets a cluster that may write: default the console's own `cluster`. `sluice
   * console --data-dir` reads without the lock and takes it only for the moment of a write.
   */
  withWriter?: WithWriter;
  /** Shown on the overview (e.g. "embedded: /data"). */
  engine?: string;
  /** `sluice run --console`: the pipeline's status for the pipeline page. */
  pipeline?: () => unknown;
  /** `sluice run --console`: the pipeline's connector runtime, for the pause, resume and restart buttons. */
  connectors?: ConnectorControl;
  history?: ConsoleHistoryOptions;
}

/** Serves the console for `cluster` until `close()`. @throws Error when it cannot listen. */
export async function startConsole(cluster: Cluster, options: ConsoleOptions): Promise<ListeningServer> {
  const history = new ConsoleHistory(cluster, options.history);
  const ctx: ConsoleContext = {
    cluster,
    withWriter: options.withWriter ?? ((body) => body(cluster)),
    history,
    engine: options.engine ?? 'embedded',
    ...(options.pipeline ? { pipeline: options.pipeline } : {}),
    ...(options.connectors ? { connectors: new PipelineConnectors(options.connectors) } : {}),
  };
  const token = options.token ? new ConsoleToken(options.token) : null;
  let guard: RequestGuard | null = null;
  const server = await listen((req, res) => void serve(ctx, guard!, token, req, res), { host: options.host, port: options.port, what: 'the console' });
  const origins = [`http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`, `http://localhost:${server.port}`, `http://127.0.0.1:${server.port}`];
  guard = new RequestGuard({ host: server.host, port: server.port, allowedOrigins: origins });
  return {
    host: server.host,
    port: server.port,
    scheme: server.scheme,
    close: async () => {
      history.close();
      await server.close();
    },
  };
}

async function serve(ctx: ConsoleContext, guard: RequestGuard, token: ConsoleToken | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const { headers } = guard.check(req);
    const url = new URL(req.url ?? '/', 'http://console');
    const { fromQuery } = token?.check(req, url) ?? { fromQuery: false };
    if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'the console answers GET (reads) and POST (writes) only');
    if (url.pathname === '/' && req.method === 'GET') {
      // The token came in the address: keep it as a cookie and drop it from the address bar.
      if (fromQuery) return void res.writeHead(303, { location: '/', 'set-cookie': ConsoleToken.cookieHeader(url.searchParams.get('token')!), 'cache-control': 'no-store' }).end();
      return send(res, 200, 'text/html; charset=utf-8', CONSOLE_PAGE);
    }
    const script = /^\/static\/([a-z-]+\.js)$/.exec(url.pathname)?.[1];
    if (script !== undefined && req.method === 'GET' && CONSOLE_SCRIPTS[script] !== undefined) return send(res, 200, 'text/javascript; charset=utf-8', CONSOLE_SCRIPTS[script]);
    const request = parseRequest(req);
    if (request.parts[0] !== 'api') throw new HttpError(404, `no page ${url.pathname}`);
    const body = await handleApi(ctx, request, req, res, headers);
    if (!res.headersSent) send(res, 200, 'application/json', JSON.stringify(body), headers);
  } catch (error) {
    const status = statusOf(error);
    if (res.headersSent) return void res.end();
    send(res, status, 'application/json', JSON.stringify({ error_code: status, message: error instanceof Error ? error.message : String(error) }), error instanceof HttpError ? error.headers : {});
  }
}

/** Bad input is 400, a state that refuses the write (a group with members, a locked directory) 409. */
function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof UsageError || error instanceof InvalidConfigError || error instanceof InvalidRecordError || error instanceof RecordTooLargeError) return 400;
  if (error instanceof UnknownTopicError || error instanceof UnknownPartitionError) return 404;
  // GroupNotEmptyError, DataDirLockedError, ReadOnlyError…: the engine's state refuses it now.
  if (error instanceof SluiceError) return error.retriable ? 503 : 409;
  return 500;
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  // The page runs only its own scripts and reads only this server.
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:",
  });
  res.end(body);
}
