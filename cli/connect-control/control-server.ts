/**
 * `sluice connect --rest-port`: Kafka Connect's REST API over the connectors of this process —
 * same paths, bodies, status codes and error shape `{ "error_code": <status>, "message": "…" }`
 * (see `connectors-resource.ts` and `plugins-resource.ts` for the routes).
 *
 * Every request passes `RequestGuard` first (Host, Origin, bearer token, Content-Type), then is
 * served concurrently: bodies are read outside any lock, changes to one connector run one at a
 * time, and stalled clients are cut off by the listener's header and request timeouts.
 *
 * @example
 *   const server = await startControlServer(runtime, { port: 8083 });
 *   // curl -s http://127.0.0.1:8083/connectors?expand=status
 *   await server.close();
 */
import type http from 'node:http';
import type { ConnectRuntime } from '../../connectors/index.js';
import { listen, serverUrl, type TlsFiles } from '../http-listen.js';
import { parseRequest, type ApiReply } from './api-request.js';
import { ConnectorsResource } from './connectors-resource.js';
import { errorResponse, HttpError } from './http-error.js';
import { PluginsResource } from './plugins-resource.js';
import { RequestGuard } from './request-guard.js';

export interface ControlServer {
  readonly port: number;
  /** `http(s)://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1 (see `listener-policy.ts` for what a wider listener needs). */
  host?: string;
  tls?: TlsFiles;
  /** Bearer token every request must carry. */
  token?: string;
  /** Browser origins allowed to call the API (`*`: any). */
  allowedOrigins?: readonly string[];
  /** More names the Host header may carry. */
  allowedHosts?: readonly string[];
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

function send(res: http.ServerResponse, reply: ApiReply, extra: Record<string, string>): void {
  const headers = { ...extra, ...reply.headers, ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }) };
  res.writeHead(reply.status, headers);
  res.end(reply.body === undefined ? undefined : `${JSON.stringify(reply.body)}\n`);
}

export async function startControlServer(runtime: ConnectRuntime, options: ControlServerOptions): Promise<ControlServer> {
  let guard: RequestGuard | null = null;
  let connectors: ConnectorsResource | null = null;
  const plugins = new PluginsResource(runtime);
  const server = await listen(
    (req, res) => {
      let cors: Record<string, string> = {};
      void (async (): Promise<ApiReply> => {
        if (!guard || !connectors) throw new HttpError(503, 'starting');
        const checked = guard.check(req);
        cors = checked.headers;
        if (checked.preflight) return { status: 204 };
        const request = parseRequest(req);
        const reply = request.parts[0] === 'connectors' ? await connectors.handle(request) : request.parts[0] === undefined || request.parts[0] === 'connector-plugins' ? await plugins.handle(request) : null;
        if (reply) return reply;
        const known = request.parts[0] === undefined || request.parts[0] === 'connectors' || request.parts[0] === 'connector-plugins';
        throw known ? new HttpError(405, `${request.method} ${request.pathname} is not supported`) : new HttpError(404, `no such resource: ${request.pathname} (try /connectors)`);
      })().then(
        (reply) => send(res, reply, cors),
        (error: unknown) => {
          const { status, headers, body } = errorResponse(error);
          // A refused request's body is never read: close the connection rather than drain it.
          if (!req.complete) headers.connection = 'close';
          send(res, { status, body, headers }, cors);
        },
      );
    },
    { port: options.port, host: options.host, tls: options.tls, headersTimeoutMs: options.headersTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, what: 'the connector REST API' },
  );
  guard = new RequestGuard({ host: server.host, port: server.port, tls: server.scheme === 'https', allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts, token: options.token });
  connectors = new ConnectorsResource(runtime, `${server.host}:${server.port}`);
  return { port: server.port, url: serverUrl(server), close: () => server.close() };
}
