/**
 * The messages between a Sluice process and the process coordinating a group (NATS request/reply):
 *
 *   request: JSON { "op": "join" | "sync" | "heartbeat" | "leave" | "commit" | "describe" | "delete", "body": <the Cluster request> }
 *   reply:   JSON { "ok": <the result> } | { "error": { "name", "code", "message", "retriable", ...the error's own fields } }
 *
 * Buffers (member metadata, assignments) travel as `{ "$b64": "<base64>" }`. An error comes back
 * as an instance of the same `core/errors.ts` class (its fields restored), so callers branch with
 * `instanceof` exactly as with the embedded engine.
 */
import * as errors from '../errors.js';

export type GroupOp = 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit' | 'describe' | 'delete';

export interface GroupRequestMessage {
  op: GroupOp;
  body: unknown;
}

export function encodeWire(value: unknown): Uint8Array {
  return Buffer.from(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      const original = this[key];
      return Buffer.isBuffer(original) ? { $b64: original.toString('base64') } : v;
    }),
  );
}

export function decodeWire<T>(data: Uint8Array): T {
  return JSON.parse(Buffer.from(data).toString('utf8'), (_key, v) =>
    v !== null && typeof v === 'object' && typeof v.$b64 === 'string' && Object.keys(v).length === 1 ? Buffer.from(v.$b64, 'base64') : v,
  ) as T;
}

export interface WireError {
  name: string;
  code: string;
  message: string;
  retriable: boolean;
  fields: Record<string, unknown>;
}

export function errorToWire(error: unknown): WireError {
  if (error instanceof errors.SluiceError) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) if (k !== 'code' && k !== 'retriable' && k !== 'name') fields[k] = v;
    return { name: error.name, code: error.code, message: error.message, retriable: error.retriable, fields };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: 'SluiceError', code: 'COORDINATOR_ERROR', message: e.message, retriable: false, fields: {} };
}

/** The error again, as its own class when `core/errors.ts` has it (constructed without running its constructor). */
export function errorFromWire(wire: WireError): Error {
  const cls = (errors as Record<string, unknown>)[wire.name];
  const proto = typeof cls === 'function' && cls.prototype instanceof errors.SluiceError ? cls.prototype : errors.SluiceError.prototype;
  const error = Object.create(proto) as errors.SluiceError;
  Object.defineProperties(error, {
    message: { value: wire.message, writable: true, configurable: true },
    name: { value: wire.name, writable: true, configurable: true, enumerable: true },
    code: { value: wire.code, enumerable: true },
    retriable: { value: wire.retriable, enumerable: true },
    stack: { value: `${wire.name}: ${wire.message}\n    (from the group coordinator)`, writable: true, configurable: true },
  });
  Object.assign(error, wire.fields);
  return error;
}
