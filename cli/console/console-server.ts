/**
 * `sluice console`'s web server: the page (HTML, CSS and script in one response: nothing from a
 * CDN, works offline) and the JSON API it reads, on node:http. Read-only: every route is a GET.
 * Guarded as the connector REST API is (`RequestGuard`): loopback by default, the Host header must
 * name this server (no DNS rebinding), cross-origin requests are refused.
 *
 *   GET /                                            the page
 *   GET /api/topics                                  TopicOverview[]
 *   GET /api/topics/{topic}/partitions/{p}/messages  ShownRecord[] (?offset=&limit=)
 *   GET /api/groups                                  GroupListing[] (by id)
 *   GET /api/groups/{group}                          ConsumerGroupDescription (members, committed offset, end and lag per partition)
 */
import type http from 'node:http';
import { createAdmin, type Cluster } from '../../core/index.js';
import { HttpError } from '../connect-control/http-error.js';
import { RequestGuard } from '../connect-control/request-guard.js';
import { listen, type ListeningServer } from '../http-listen.js';
import { readMessages, topicsOverview } from './console-data.js';
import { CONSOLE_PAGE } from './console-page.js';

export interface ConsoleOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0: any free port. */
  port: number;
}

/** Serves the console for `cluster` until `close()`. @throws Error when it cannot listen. */
export async function startConsole(cluster: Cluster, options: ConsoleOptions): Promise<ListeningServer> {
  let guard: RequestGuard | null = null;
  const server = await listen((req, res) => void serve(cluster, guard!, req, res), { host: options.host, port: options.port, what: 'the console' });
  const origins = [`http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`, `http://localhost:${server.port}`];
  guard = new RequestGuard({ host: server.host, port: server.port, allowedOrigins: origins });
  return server;
}

async function serve(cluster: Cluster, guard: RequestGuard, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    guard.check(req);
    if (req.method !== 'GET') throw new HttpError(405, 'the console is read-only: GET only');
    const url = new URL(req.url ?? '/', 'http://console');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', CONSOLE_PAGE);
    if (url.pathname === '/api/topics') return json(res, await topicsOverview(cluster, { includeInternal: url.searchParams.get('internal') === 'true' }));
    const m = /^\/api\/topics\/([^/]+)\/partitions\/(\d+)\/messages$/.exec(url.pathname);
    if (m) {
      const topic = decodeURIComponent(m[1]);
      const partition = Number(m[2]);
      const topics = await cluster.listTopics({ includeInternal: true });
      if (!topics.includes(topic)) throw new HttpError(404, `no topic ${JSON.stringify(topic)}`);
      if (partition >= (await cluster.partitionCount(topic))) throw new HttpError(404, `topic ${topic} has no partition ${partition}`);
      return json(res, await readMessages(cluster, { topic, partition, offset: integer(url, 'offset'), limit: integer(url, 'limit') }));
    }
    if (url.pathname === '/api/groups') return json(res, (await cluster.listGroups()).sort((a, b) => a.groupId.localeCompare(b.groupId)));
    const g = /^\/api\/groups\/([^/]+)$/.exec(url.pathname);
    if (g) {
      const groupId = decodeURIComponent(g[1]);
      if (!(await cluster.listGroups()).some((l) => l.groupId === groupId)) throw new HttpError(404, `no group ${JSON.stringify(groupId)}`);
      return json(res, await createAdmin(cluster).describeGroup(groupId));
    }
    throw new HttpError(404, `no page ${url.pathname}`);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    json(res, { error_code: status, message: error instanceof Error ? error.message : String(error) }, status);
  }
}

function integer(url: URL, name: string): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new HttpError(400, `${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function json(res: http.ServerResponse, body: unknown, status = 200): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  // The page runs only its own inline script and reads only this server.
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
  res.end(body);
}
