/**
 * The console's optional token (`sluice console --token`, env `SLUICE_CONSOLE_TOKEN`), required
 * on every request when set — the page, the JSON API, the live tail's event stream — as in
 * Jupyter: the user opens `http://HOST:PORT/?token=T` once; the page's answer sets the token as an
 * `HttpOnly; SameSite=Strict` cookie and sends the browser on to `/` (the token leaves the address
 * bar and history). The browser then sends the cookie with every `fetch` and `EventSource` of the
 * page (an `EventSource` cannot set an `Authorization` header), and never with a request another
 * site makes. Scripts and tools may send `Authorization: Bearer T` instead.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HttpError } from '../connect-control/http-error.js';

const COOKIE = 'sluice_console_token';
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class ConsoleToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  /**
   * Checks the request's token (header, cookie or `?token=`); returns whether it came in the query
   * (the caller then sets the cookie with `cookieHeader`).
   * @throws HttpError 401 naming how to pass it
   */
  check(req: http.IncomingMessage, url: URL): { fromQuery: boolean } {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const cookie = cookieValue(req.headers.cookie, COOKIE);
    const query = url.searchParams.get('token') ?? undefined;
    const given = bearer ?? cookie ?? query;
    if (given === undefined) throw new HttpError(401, 'the console needs its token: open /?token=<token> (sluice console --token or env SLUICE_CONSOLE_TOKEN), or send Authorization: Bearer <token>');
    if (!timingSafeEqual(digest(given), this.#digest)) throw new HttpError(401, 'the console token is wrong');
    return { fromQuery: bearer === undefined && cookie === undefined };
  }

  /** The `Set-Cookie` value that keeps `token` for the page's own requests. */
  static cookieHeader(token: string): string {
    return `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
