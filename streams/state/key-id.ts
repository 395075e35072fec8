/** Map keys for state stores: equal record keys must give equal ids, as their serialized bytes would. */
import type { Serde } from '../../core/index.js';

/**
 * A string that identifies `key` within one store. Strings identify themselves (the fast path);
 * other keys are identified by their serialized form, so that two objects with the same content are
 * the same key, as they are on the wire.
 */
export function keyId(key: unknown, serde: Serde<unknown>): string {
  if (typeof key === 'string') return key;
  const bytes = serde.serialize(key);
  if (bytes === null) return '\u0000null';
  if (typeof bytes === 'string') return `\u0001${bytes}`;
  return `\u0002${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')}`;
}
