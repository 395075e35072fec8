/**
 * `sluice connect --rest-port`: Kafka Connect's REST API, reduced to what a standalone runtime
 * does, over the connectors of this process. JSON in and out; listens on 127.0.0.1 unless told.
 *
 *   GET    /connectors                  names of the connectors, in start order
 *   GET    /connectors/<name>/status    a `ConnectorStatus` (errors as their messages)
 *   POST   /connectors                  start one from a config (JSON body); 201 with its status,
 *                                       400 with every config problem (nothing started)
 *   PUT    /connectors/<name>/pause     202; records in flight still complete
 *   PUT    /connectors/<name>/resume    202
 *   POST   /connectors/<name>/restart   200 with its status (e.g. after a failure)
 *   DELETE /connectors/<name>           204 once it stopped gracefully (positions stored, offsets committed)
 *
 * Errors are `{ "error_code": <http status>, "message": "…" }`, as Kafka Connect answers.
 * Requests run one at a time (the runtime is not reentrant for start/stop/pause/resume).
 */
import type http from 'node:http';
import { listen } from '../http-listen.js';
import { ConnectorConfigError, UnknownConnectorError, type ConnectorStatus, type ConnectRuntime } from '../../connectors/index.js';

export interface ControlServer {
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Largest request body accepted (a connector config). */
const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A status as JSON: the errors as their messages. */
export function statusJson(s: ConnectorStatus): Record<string, unknown> {
  const { error, retrying, ...rest } = s;
  return { ...rest, ...(error ? { error: error.message } : {}), ...(retrying ? { retrying: { attempt: retrying.attempt, error: retrying.error.message, sinceMs: retrying.sinceMs } } : {}) };
}

export async function startControlServer(runtime: ConnectRuntime, options: { port: number; host?: string }): Promise<ControlServer> {
  let queue: Promise<unknown> = Promise.resolve();
  const server = await listen(
    (req, res) => {
      const handled = queue.then(() => route(runtime, req));
      queue = handled.catch(() => {});
      handled.then(
        ({ status, body }) => {
          res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
          res.end(body === undefined ? undefined : `${JSON.stringify(body)}\n`);
        },
        (error: unknown) => {
          const status = error instanceof HttpError ? error.status : error instanceof UnknownConnectorError ? 404 : error instanceof ConnectorConfigError ? 400 : 500;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify({ error_code: status, message: error instanceof Error ? error.message : String(error) })}\n`);
        },
      );
    },
    { ...options, what: 'the connector REST API' },
  );
  return { port: server.port, url: `http://${server.host}:${server.port}`, close: () => server.close() };
}

async function route(runtime: ConnectRuntime, req: http.IncomingMessage): Promise<{ status: number; body?: unknown }> {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'connectors' || parts.length > 3) throw new HttpError(404, `no such resource: ${pathname} (try /connectors)`);
  const [, name, action] = parts;
  const method = req.method ?? 'GET';
  if (name === undefined) {
    if (method === 'GET') return { status: 200, body: runtime.statuses().map((s) => s.name) };
    if (method === 'POST') return { status: 201, body: statusJson(await runtime.start(await jsonBody(req), { source: 'POST /connectors' })) };
  } else if (action === undefined) {
    if (method === 'GET') return { status: 200, body: statusJson(runtime.status(name)) };
    if (method === 'DELETE') {
      await runtime.stop(name);
      return { status: 204 };
    }
  } else if (action === 'status' && method === 'GET') {
    return { status: 200, body: statusJson(runtime.status(name)) };
  } else if (action === 'pause' && method === 'PUT') {
    runtime.pause(name);
    return { status: 202 };
  } else if (action === 'resume' && method === 'PUT') {
    runtime.resume(name);
    return { status: 202 };
  } else if (action === 'restart' && method === 'POST') {
    return { status: 200, body: statusJson(await runtime.restart(name)) };
  }
  throw new HttpError(405, `${method} ${pathname} is not supported`);
}

async function jsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `the request body is not JSON: ${(error as Error).message}`);
  }
}
