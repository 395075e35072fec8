/**
 * Payload sizes: the bytes of a record's key and value (UTF-8 for strings; null is 0). What the
 * byte metrics count — the data a component moved through the log, without framing or headers.
 */

/** Bytes of one key or value as the log stores it. */
export function byteLength(data: Uint8Array | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** The key and value bytes of `records`, summed. */
export function recordBytes(records: Iterable<{ readonly key?: Uint8Array | string | null; readonly value: Uint8Array | string | null }>): number {
  let n = 0;
  for (const r of records) {
    if (r.key !== null && r.key !== undefined) n += byteLength(r.key);
    if (r.value !== null) n += byteLength(r.value);
  }
  return n;
}
