/**
 * A request to the connector REST API, parsed: method, decoded path segments, query, and the JSON
 * body read on demand (at most `MAX_BODY_BYTES`). Reading happens outside any lock, so a client
 * that is slow to send its body holds up no one else (the server's request timeout ends it).
 */
import type http from 'node:http';
import { HttpError } from './http-error.js';

/** Largest request body accepted (a connector config). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiRequest {
  method: string;
  /** The path as sent (for messages). */
  pathname: string;
  /** Decoded path segments: `/connectors/a%2Fb/status` → `['connectors', 'a/b', 'status']`. */
  parts: string[];
  query: URLSearchParams;
  /** The JSON body. @throws HttpError 400 (no body, not JSON), 413 (too large) */
  body(): Promise<unknown>;
}

/** What a handler answers: a status, a JSON body (none for 202/204), extra headers. */
export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** @throws HttpError 400 on a malformed %-encoding in the path. */
export function parseRequest(req: http.IncomingMessage): ApiRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `malformed %-encoding in the path ${JSON.stringify(pathname)}`);
  }
  let body: Promise<unknown> | null = null;
  return { method: req.method ?? 'GET', pathname, parts, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)), body: () => (body ??= readJson(req)) };
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'this request needs a JSON body');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `the request body is not JSON: ${(error as Error).message}`);
  }
}
