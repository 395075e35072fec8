/** Plain HTTP helpers of the console's server tests (no browser). */
import http from 'node:http';
import { onTestFinished } from 'vitest';
import type { Cluster } from '../../../core/index.js';
import { startConsole, type ConsoleOptions } from '../../../cli/console/console-server.js';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Serves the console for `cluster` on a free port until the test ends; resolves its base URL. */
export async function serveConsole(cluster: Cluster, options: Partial<ConsoleOptions> = {}): Promise<string> {
  const server = await startConsole(cluster, { port: 0, history: { intervalMs: 0 }, ...options });
  onTestFinished(() => server.close());
  return `http://127.0.0.1:${server.port}`;
}

export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
    const req = http.request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A POST of `body` as JSON; resolves the parsed answer, or throws with the status and message. */
export async function post<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const r = await request(url, { body, headers });
  if (r.status !== 200) throw new Error(`${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await request(url, { headers });
  if (r.status !== 200) throw new Error(`${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** An open server-sent-events stream: its events as they arrive, and a way to close it. */
export function openEvents(url: string, headers: Record<string, string> = {}): Promise<{ status: number; events: { event: string; id: string; data: string }[]; next(count: number): Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: { event: string; id: string; data: string }[] = [];
      const waiters: { count: number; resolve: () => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
          if (fields.data !== undefined) events.push({ event: fields.event ?? 'message', id: fields.id ?? '', data: fields.data });
        }
        for (const w of waiters.filter((w) => events.length >= w.count)) w.resolve();
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        next: (count) => (events.length >= count ? Promise.resolve() : new Promise((r) => waiters.push({ count, resolve: r }))),
        close: () => req.destroy(),
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    onTestFinished(() => void req.destroy());
  });
}
