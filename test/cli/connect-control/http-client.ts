/** A small HTTP(S) client for REST tests: any Host header, raw bodies, a CA for TLS. */
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as JSON (undefined when empty). */
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is; an object is sent as JSON with `Content-Type: application/json`. */
  body?: string | object;
  /** CA certificate (PEM) for https. */
  ca?: Buffer;
}

export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (typeof options.body === 'object') {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else body = options.body;
  const client = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(u, { method: options.method ?? 'GET', headers, ca: options.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: text ? (JSON.parse(text) as unknown) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
