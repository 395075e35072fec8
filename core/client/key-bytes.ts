/**
 * UTF-8 bytes of string keys for a partitioner without a Buffer per record: the key is written
 * into one scratch buffer and a cached view of the right length is handed out. The view is valid
 * only until the next call (partitioners must not keep it).
 */
import { utf8Write } from '../protocol/utf8.js';

export class KeyBytes {
  readonly #scratch = Buffer.allocUnsafe(1024);
  readonly #views: Buffer[] = [];

  of(key: Uint8Array | string): Uint8Array {
    if (typeof key !== 'string') return key;
    if (key.length * 3 > this.#scratch.length) return Buffer.from(key);
    const length = utf8Write(this.#scratch, key, 0);
    return (this.#views[length] ??= this.#scratch.subarray(0, length));
  }
}
