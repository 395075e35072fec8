/**
 * A lean `MsgHdrs` for publishing: entries in an array, validated once on `append`, encoded
 * straight to the wire block. nats.js's `MsgHdrsImpl` canonicalizes and searches its map on every
 * `set`, which is most of the per-message cost of a sink that sets `Nats-Msg-Id` on every message.
 *
 * Wire format (NATS headers, HPUB):
 *
 *   "NATS/1.0\r\n" *( name ": " value "\r\n" ) "\r\n"
 *
 * Names are printable ASCII without ':' (as nats.js checks them); values have no CR or LF and are
 * trimmed (as nats.js does). Lookups match names exactly. Only for messages this process
 * publishes; received messages keep nats.js's headers.
 */
import { Match, type MsgHdrs } from '@nats-io/transport-node';

const VALID_NAME = /^[!-9;-~]+$/;
const LINE_BREAK = /[\r\n]/;
/** Names seen valid already (sinks set the same few names on every message). */
const validNames = new Set<string>(['Nats-Msg-Id', 'Nats-Expected-Stream']);

export class WireHeaders implements MsgHdrs {
  readonly #entries: [string, string][] = [];
  readonly hasError = false;
  readonly status = '';
  readonly code = 0;
  readonly description = '';

  /**
   * Adds a header (repeats allowed).
   * @throws Error for a name with characters NATS headers cannot carry, or a value with CR/LF.
   */
  append(name: string, value: string): void {
    if (!validNames.has(name)) {
      if (!VALID_NAME.test(name)) throw new Error(`invalid header name ${JSON.stringify(name)} (printable ASCII without ':' or spaces)`);
      if (validNames.size < 1000) validNames.add(name);
    }
    if (LINE_BREAK.test(value)) throw new Error(`header ${name}: values cannot contain \\r or \\n`);
    this.#entries.push([name, value.trim()]);
  }

  /** Replaces every value of `name` by `value`. */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  get(name: string, _match?: Match): string {
    for (const [k, v] of this.#entries) if (k === name) return v;
    return '';
  }

  last(name: string, _match?: Match): string {
    for (let i = this.#entries.length - 1; i >= 0; i--) if (this.#entries[i][0] === name) return this.#entries[i][1];
    return '';
  }

  has(name: string, _match?: Match): boolean {
    return this.#entries.some(([k]) => k === name);
  }

  keys(): string[] {
    return [...new Set(this.#entries.map(([k]) => k))];
  }

  values(name: string, _match?: Match): string[] {
    return this.#entries.filter(([k]) => k === name).map(([, v]) => v);
  }

  delete(name: string, _match?: Match): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) if (this.#entries[i][0] === name) this.#entries.splice(i, 1);
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const k of this.keys()) yield [k, this.values(k)];
  }

  /** The header block as sent on the wire, as text. */
  wireText(): string {
    let text = 'NATS/1.0\r\n';
    for (const [k, v] of this.#entries) text += `${k}: ${v}\r\n`;
    return `${text}\r\n`;
  }

  /** The header block as sent on the wire (called by nats.js's publish). */
  encode(): Uint8Array {
    return Buffer.from(this.wireText(), 'utf8');
  }

  toString(): string {
    return Buffer.from(this.encode()).toString('utf8');
  }
}
