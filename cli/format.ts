/**
 * `consume -f`: kcat's output format, compiled once into a list of pieces.
 *
 *   %t topic   %p partition   %o offset   %T timestamp (ms)   %k key   %s value
 *   %K key size (-1 for null)   %S value size (-1 for null)   %R value size (-1 for null) as a
 *   big-endian 64-bit binary integer (kcat's framing)   %h headers as k=v,k2=v2   %% a %
 *   \n newline   \r carriage return   \t tab   \\ a backslash   \xNN the byte NN (hex)
 *
 * Keys, values and header values are written as their raw bytes (not re-encoded); a null key or
 * value writes nothing.
 */
import type { ConsumerRecord } from '../core/index.js';
import { UsageError } from './errors.js';

type Piece = string | ((record: ConsumerRecord, out: OutputChunk) => void);

/** Turns records into the bytes of one stdout write. */
export interface RecordFormatter {
  write(record: ConsumerRecord, out: OutputChunk): void;
}

/** Accumulates text and raw bytes for one write, without a Buffer per piece of text. */
export class OutputChunk {
  #text = '';
  #buffers: Buffer[] = [];
  #bytes = 0;

  text(value: string): void {
    this.#text += value;
  }

  bytes(value: Buffer): void {
    if (this.#text.length > 0) this.#flushText();
    this.#buffers.push(value);
    this.#bytes += value.length;
  }

  /** Bytes accumulated so far (text counted once flushed; an estimate for deciding when to write). */
  get size(): number {
    return this.#bytes + this.#text.length;
  }

  /** Everything accumulated, emptying the chunk. */
  take(): Buffer {
    if (this.#text.length > 0) this.#flushText();
    const out = this.#buffers.length === 1 ? this.#buffers[0] : Buffer.concat(this.#buffers, this.#bytes);
    this.#buffers = [];
    this.#bytes = 0;
    return out;
  }

  #flushText(): void {
    const b = Buffer.from(this.#text, 'utf8');
    this.#text = '';
    this.#buffers.push(b);
    this.#bytes += b.length;
  }
}

const TOKENS: Record<string, (record: ConsumerRecord, out: OutputChunk) => void> = {
  t: (r, out) => out.text(r.topic),
  p: (r, out) => out.text(String(r.partition)),
  o: (r, out) => out.text(String(r.offset)),
  T: (r, out) => out.text(String(r.timestamp)),
  k: (r, out) => {
    if (r.key !== null) out.bytes(r.key);
  },
  s: (r, out) => {
    if (r.value !== null) out.bytes(r.value);
  },
  K: (r, out) => out.text(String(r.key === null ? -1 : r.key.length)),
  S: (r, out) => out.text(String(r.value === null ? -1 : r.value.length)),
  R: (r, out) => {
    const size = Buffer.allocUnsafe(8);
    size.writeBigInt64BE(BigInt(r.value === null ? -1 : r.value.length));
    out.bytes(size);
  },
  h: (r, out) => {
    r.headers.forEach((h, i) => {
      out.text(i === 0 ? `${h.key}=` : `,${h.key}=`);
      if (h.value !== null) out.bytes(h.value);
    });
  },
};

const NEWLINE = Buffer.from('\n');

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/**
 * Compiles a kcat format string.
 * @throws UsageError for an unknown `%` token or `\` escape, naming it and its position.
 * @example compileFormat('%p %o %k %s\\n')
 */
export function compileFormat(format: string): RecordFormatter {
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' && c !== '\\') {
      literal += c;
      continue;
    }
    const next = format[++i];
    if (c === '\\') {
      if (next === 'x') {
        const hex = format.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UsageError(`-f: "\\x" at position ${i} of "${format}" needs two hex digits (e.g. \\x00)`);
        // A byte, not a character: flush the text so far and write it raw.
        if (literal) pieces.push(literal);
        literal = '';
        const byte = Buffer.from([Number.parseInt(hex, 16)]);
        pieces.push((_r, out) => out.bytes(byte));
        i += 2;
        continue;
      }
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw new UsageError(`-f: unsupported escape "\\${next ?? ''}" at position ${i} of "${format}" (use \\n, \\r, \\t, \\\\ or \\xNN)`);
      literal += escaped;
      continue;
    }
    if (next === '%') {
      literal += '%';
      continue;
    }
    const token = next === undefined ? undefined : TOKENS[next];
    if (token === undefined) {
      throw new UsageError(`-f: unknown token "%${next ?? ''}" at position ${i} of "${format}" (known: %t %p %o %T %k %s %K %S %R %h %%)`);
    }
    if (literal) pieces.push(literal);
    literal = '';
    pieces.push(token);
  }
  if (literal) pieces.push(literal);
  return {
    write(record, out) {
      for (const piece of pieces) {
        if (typeof piece === 'string') out.text(piece);
        else piece(record, out);
      }
    },
  };
}

/**
 * What consume prints without `-f`: the value and the delimiter (`-D`, default a newline), or with
 * `-K SEP` the key, SEP, the value and the delimiter.
 */
export function defaultFormatter(keySeparator?: string, delimiter: Buffer = NEWLINE): RecordFormatter {
  if (keySeparator === undefined) {
    return {
      write(record, out) {
        if (record.value !== null) out.bytes(record.value);
        out.bytes(delimiter);
      },
    };
  }
  return {
    write(record, out) {
      if (record.key !== null) out.bytes(record.key);
      out.text(keySeparator);
      if (record.value !== null) out.bytes(record.value);
      out.bytes(delimiter);
    },
  };
}

/**
 * `consume -J`: kcat's JSON envelope, one object per line —
 * `{"topic":"t","partition":0,"offset":7,"tstype":"create","ts":1700000000000,"broker":-1,"headers":["k","v"],"key":"k","payload":"v"}`
 * (key, payload and header values as UTF-8 text, null when absent; headers a flat name, value list).
 */
export function jsonFormatter(delimiter: Buffer = NEWLINE): RecordFormatter {
  const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
  return {
    write(r, out) {
      const envelope = {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        tstype: 'create',
        ts: r.timestamp,
        broker: -1,
        headers: r.headers.flatMap((h) => [h.key, text(h.value)]),
        key: text(r.key),
        payload: text(r.value),
      };
      out.text(JSON.stringify(envelope));
      out.bytes(delimiter);
    },
  };
}
