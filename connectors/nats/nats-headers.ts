/**
 * Between NATS message headers (`NATS/1.0` MIME-style: case-preserving names, string values, a
 * name may repeat) and record headers (Kafka's: a name and bytes, a name may repeat).
 *
 * - NATS → record: every value of every header becomes one record header, the value as UTF-8
 *   bytes, in order.
 * - record → NATS: each record header is appended (repeats kept); the value is read as UTF-8 text
 *   (null as ''). Headers named `Nats-*` are left out: JetStream treats them as instructions
 *   (`Nats-Msg-Id`, `Nats-Expected-Last-Sequence`, `Nats-Rollup`, `Nats-TTL`…), and carrying a
 *   source stream's copy into another stream would make it deduplicate or reject messages.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import type { RecordHeader } from '../../core/index.js';
import { WireHeaders } from './wire-headers.js';

/** Record headers for a NATS message's headers (none → an empty list). */
export function recordHeadersOf(h: MsgHdrs | undefined): RecordHeader[] {
  const out: RecordHeader[] = [];
  if (!h) return out;
  for (const [name, values] of h) for (const v of values) out.push({ key: name, value: Buffer.from(v, 'utf8') });
  return out;
}

/** True for header names JetStream interprets (`Nats-…`, any case). */
export function isControlHeader(name: string): boolean {
  return name.length >= 5 && name.slice(0, 5).toLowerCase() === 'nats-';
}

/**
 * NATS headers for record headers (leaving `Nats-*` out), or undefined when there are none.
 * @throws Error naming the header whose name or value NATS cannot carry (`:` or control
 *   characters in a name, CR/LF in a value).
 */
export function natsHeadersOf(record: readonly RecordHeader[], into?: WireHeaders): WireHeaders | undefined {
  let h = into;
  for (const { key, value } of record) {
    if (isControlHeader(key)) continue;
    const text = value === null ? '' : value.toString('utf8');
    h ??= new WireHeaders();
    try {
      h.append(key, text);
    } catch (error) {
      throw new Error(`header ${JSON.stringify(key)} cannot be sent to NATS: ${(error as Error).message}`, { cause: error });
    }
  }
  return h;
}

/** The first value of header `name` (exact name, as in the record), as text; undefined when absent. */
export function recordHeaderText(record: readonly RecordHeader[], name: string): string | undefined {
  for (const h of record) if (h.key === name) return h.value === null ? '' : h.value.toString('utf8');
  return undefined;
}
