/** Serialized bytes as a `Buffer` (what serdes' `deserialize` takes): strings as UTF-8, views shared, not copied. */
export function toBuffer(b: Uint8Array | string | null): Buffer | null {
  if (b === null) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
