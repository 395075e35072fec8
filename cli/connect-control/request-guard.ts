/**
 * What the connector REST API checks before it reads a request, so that a web page the user
 * visits cannot drive it (cross-origin requests, DNS rebinding) and other users of the network
 * cannot either (a bearer token):
 *
 * 1. `Host` must name this listener (a loopback name for a loopback listener, the listener's
 *    address, a local interface's address for a wildcard one, or a name in `allowedHosts`) with its
 *    port — a DNS-rebinding page sends its own name (403).
 * 2. A request with an `Origin` (browsers send one on every cross-origin and every non-GET request)
 *    is refused unless the origin is in `allowedOrigins` (Kafka Connect's
 *    `access.control.allow.origin`; `*` allows any) (403). Allowed origins get CORS headers and
 *    their preflight `OPTIONS` answered.
 * 3. With a `token`, `Authorization: Bearer <token>` (401 otherwise; compared in constant time).
 * 4. A body (POST/PUT/PATCH with content) must be `application/json` (415) — a form or
 *    `text/plain` post, which a page may send without a preflight, never reaches a handler.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type http from 'node:http';
import os from 'node:os';
import { HttpError } from './http-error.js';

export interface RequestGuardOptions {
  /** The address the server listens on (as given to `listen`). */
  host: string;
  port: number;
  /** Served over TLS (a Host without a port then means 443, else 80). */
  tls?: boolean;
  /** Origins allowed to call the API from a browser (`*`: any). */
  allowedOrigins?: readonly string[];
  /** More host names clients may use (e.g. a DNS name in front of a wildcard listener). */
  allowedHosts?: readonly string[];
  /** The bearer token every request must carry. */
  token?: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';

/** True for `localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** True for `0.0.0.0` and `::` (every interface). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

const bracket = (h: string): string => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase();

/** The host names (lower case, IPv6 in brackets) a request to a listener on `host` may carry. */
function allowedHostNames(options: RequestGuardOptions): Set<string> {
  const names = new Set<string>([bracket(options.host), ...(options.allowedHosts ?? []).map(bracket)]);
  if (isLoopbackHost(options.host) || isWildcardHost(options.host)) for (const n of LOOPBACK_NAMES) names.add(n);
  if (isWildcardHost(options.host)) {
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(bracket(a.address.split('%')[0]));
  }
  return names;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class RequestGuard {
  readonly #hosts: Set<string>;
  readonly #port: number;
  readonly #defaultPort: number;
  readonly #origins: Set<string>;
  readonly #token: Buffer | null;

  constructor(options: RequestGuardOptions) {
    this.#hosts = allowedHostNames(options);
    this.#port = options.port;
    this.#defaultPort = options.tls ? 443 : 80;
    this.#origins = new Set(options.allowedOrigins ?? []);
    this.#token = options.token ? digest(options.token) : null;
  }

  /**
   * Checks a request before anything is read or done; returns the CORS headers to answer with.
   * A preflight from an allowed origin returns `preflight: true` (answer 204, nothing else).
   * @throws HttpError 403 (Host, Origin), 401 (token), 415 (Content-Type)
   */
  check(req: http.IncomingMessage): { headers: Record<string, string>; preflight: boolean } {
    this.#checkHost(req.headers.host);
    const origin = req.headers.origin;
    const headers: Record<string, string> = {};
    if (origin !== undefined) {
      if (!this.#origins.has('*') && !this.#origins.has(origin)) {
        throw new HttpError(403, `requests from the browser origin ${origin} are refused (allow it with --rest-allowed-origins)`);
      }
      headers['access-control-allow-origin'] = this.#origins.has('*') ? '*' : origin;
      headers.vary = 'Origin';
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        headers['access-control-allow-methods'] = METHODS;
        headers['access-control-allow-headers'] = 'content-type, authorization';
        return { headers, preflight: true };
      }
    }
    this.#checkToken(req.headers.authorization);
    this.#checkContentType(req);
    return { headers, preflight: false };
  }

  #checkHost(host: string | undefined): void {
    if (host === undefined) throw new HttpError(403, 'a request needs a Host header');
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.trim());
    const ok = m !== null && this.#hosts.has(m[1].toLowerCase()) && (m[2] === undefined ? this.#defaultPort : Number(m[2])) === this.#port;
    if (!ok) throw new HttpError(403, `the Host header ${JSON.stringify(host)} does not name this server (DNS rebinding is refused; add the name with --rest-allowed-hosts)`);
  }

  #checkToken(authorization: string | undefined): void {
    if (this.#token === null) return;
    const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), this.#token)) {
      throw new HttpError(401, given === undefined ? 'this API needs a bearer token (Authorization: Bearer <token>; sluice connectors --token or env SLUICE_REST_TOKEN)' : 'the bearer token is wrong', {
        'www-authenticate': 'Bearer realm="sluice connect"',
      });
    }
  }

  #checkContentType(req: http.IncomingMessage): void {
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, `a request body must be application/json (Content-Type: ${req.headers['content-type'] ?? 'none'})`);
    }
  }
}
