/**
 * The 32-bit MurmurHash2 that Kafka's producers use to place keyed records.
 *
 * Origin: MurmurHash2 by Austin Appleby (public domain, the `MurmurHashNeutral2` byte order: words
 * are read little-endian whatever the platform). Apache Kafka's Java client copied it into
 * `org.apache.kafka.common.utils.Utils.murmur2` with seed `0x9747b28c`, m `0x5bd1e995`, r `24`, and
 * returns it as a signed Java `int`; librdkafka's `rd_murmur2` and every client that wants to agree
 * with the Java producer reproduce that exact variant, and so does this one. Any change to the
 * output moves keys to other partitions, so the test pins Kafka's own test vectors.
 *
 * Grammar, for a key of `len` bytes:
 *
 *   h = seed ^ len
 *   for each whole 4-byte word k (little-endian):
 *     k *= m; k ^= k >>> r; k *= m; h *= m; h ^= k
 *   tail of 1–3 bytes t0 t1 t2:  h ^= t2 << 16; h ^= t1 << 8; h ^= t0; h *= m
 *   h ^= h >>> 13; h *= m; h ^= h >>> 15
 *
 * with every product taken mod 2^32 (`Math.imul`) and the result read as int32.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's `Utils.murmur2`: hashes `bytes` to a signed 32-bit integer, the same value the Java
 * client computes for the same bytes. Allocates nothing; a view into a larger buffer (a pooled
 * `Buffer` slice) hashes exactly its own bytes.
 *
 * @example murmur2(Buffer.from('21')) // -973932308, as in Kafka's UtilsTest
 */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const wholeWords = length & ~3;
  for (let i = 0; i < wholeWords; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Kafka's switch falls through from case 3 to case 1; the compiler forbids fallthrough, so the
  // same cascade is spelled with ifs.
  const tail = length & 3;
  if (tail !== 0) {
    if (tail === 3) h ^= bytes[wholeWords + 2] << 16;
    if (tail >= 2) h ^= bytes[wholeWords + 1] << 8;
    h ^= bytes[wholeWords];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`, which would map -2^31 to a
 * value outside int32 and differ from Java for every negative hash.
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
