/**
 * Serializers and deserializers for record keys and values: UTF-8 strings, JSON and raw bytes.
 *
 * A `null` value stays `null` both ways in every serde here, as in Kafka's built-in serdes, because
 * a null value is meaningful on the wire: it is a tombstone on a compacted topic.
 */
import { SerializationError } from '../errors.js';
import { utf8Read } from '../protocol/utf8.js';

/**
 * Turns values of type `T` into record bytes and back.
 *
 * `serialize` may return a string instead of bytes: the batch encoder then writes its UTF-8 straight
 * into the batch, saving the intermediate Buffer a `Buffer.from(value)` would allocate.
 *
 * @example
 * const celsius: Serde<number> = {
 *   serialize: (n) => n.toFixed(1),
 *   deserialize: (bytes) => Number(bytes?.toString('utf8') ?? NaN),
 * };
 */
export interface Serde<T> {
  /** @throws SerializationError when `value` has no byte form. */
  serialize(value: T): Uint8Array | string | null;
  /** @throws SerializationError when `bytes` do not hold a `T`. */
  deserialize(bytes: Buffer | null): T;
  /**
   * Optional: what `deserialize(bytes.subarray(start, end))` returns, read straight from the range
   * (Kafka's `Deserializer.deserialize(topic, headers, ByteBuffer)`, KIP-863). A consumer decoding a
   * fetched batch calls it with the batch's bytes, and so makes no `Buffer` view per key and value.
   * @throws SerializationError when the range does not hold a `T`.
   */
  deserializeFrom?(bytes: Buffer, start: number, end: number): T;
}

/**
 * UTF-8 strings, like Kafka's `StringSerializer`/`StringDeserializer`. Serializing returns the
 * string itself, so the encoder writes it without a copy. Malformed UTF-8 decodes to U+FFFD rather
 * than throwing, as Java's `new String(bytes, UTF_8)` does.
 */
export const stringSerde: Serde<string | null> = {
  serialize: (value) => value,
  deserialize: (bytes) => (bytes === null ? null : utf8Read(bytes, 0, bytes.length)),
  deserializeFrom: (bytes, start, end) => utf8Read(bytes, start, end),
};

/** {@link bytesSerde}'s type: bytes in, the record's own `Buffer` out. */
export interface BytesSerde extends Serde<Uint8Array | null> {
  deserialize(bytes: Buffer | null): Buffer | null;
}

/**
 * Raw bytes, passed through untouched (Kafka's `ByteArraySerializer`). Nothing is copied either
 * way: do not modify an array after handing it to `send` until the send settles, and copy a
 * deserialized Buffer if you keep it and mutate it.
 */
export const bytesSerde: BytesSerde = {
  serialize: (value) => value,
  deserialize: (bytes) => bytes,
};

export interface JsonSerdeOptions {
  /** Passed to `JSON.stringify` (e.g. to write `Date`s or `Map`s your way). */
  replacer?: (this: unknown, key: string, value: unknown) => unknown;
  /** Passed to `JSON.parse` (e.g. to revive ISO strings into `Date`s). */
  reviver?: (this: unknown, key: string, value: unknown) => unknown;
}

/** How much of an unparsable record an error message quotes. */
const SNIPPET_CHARS = 64;

/**
 * JSON documents as UTF-8. `T` is trusted, not checked: validate deserialized values yourself if
 * the topic has other writers. A `null` value is a tombstone, never the JSON text `null`.
 *
 * Serializing returns the JSON text as a string, so it is encoded once, straight into the batch.
 *
 * @throws SerializationError from `serialize` for what `JSON.stringify` rejects or drops (a cycle, a
 *   BigInt, `undefined` or a function at top level), and from `deserialize` for bytes that are not
 *   valid JSON; `cause` holds the original error.
 * @example
 * const orders = jsonSerde<{ id: string; total: number }>();
 * orders.deserialize(Buffer.from('{"id":"a1","total":3}')); // { id: 'a1', total: 3 }
 */
export function jsonSerde<T>(options: JsonSerdeOptions = {}): Serde<T | null> {
  const { replacer, reviver } = options;
  return {
    serialize(value) {
      if (value === null) return null;
      // A finite number's JSON text is its ToString (ECMA-262 SerializeJSONProperty), which String
      // gives at about a third of JSON.stringify's cost; a replacer still sees every value.
      if (typeof value === 'number' && replacer === undefined && Number.isFinite(value)) return String(value);
      let text: string | undefined;
      try {
        text = JSON.stringify(value, replacer);
      } catch (err) {
        throw new SerializationError(`cannot serialize ${describe(value)} as JSON: ${(err as Error).message}`, {
          cause: err,
        });
      }
      // JSON.stringify returns undefined instead of throwing for values JSON cannot express.
      if (text === undefined) {
        throw new SerializationError(`cannot serialize ${describe(value)} as JSON: it has no JSON form`);
      }
      return text;
    },
    deserialize(bytes) {
      return bytes === null ? null : parse(bytes, 0, bytes.length);
    },
    deserializeFrom: (bytes, start, end) => parse(bytes, start, end),
  };

  function parse(bytes: Buffer, start: number, end: number): T {
    // A reviver sees every value: only without one may an integer skip JSON.parse.
    if (reviver === undefined) {
      const n = jsonInteger(bytes, start, end);
      if (n !== undefined) return n as T;
    }
    const text = utf8Read(bytes, start, end);
    try {
      return JSON.parse(text, reviver) as T;
    } catch (err) {
      const snippet = text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
      throw new SerializationError(`record is not valid JSON (${end - start} bytes, starting ${JSON.stringify(snippet)}): ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/** Digits of the longest integer `jsonInteger` reads: every such integer is exact in a double. */
const MAX_INTEGER_DIGITS = 15;

/**
 * `bytes[start, end)` read as a JSON integer (`-?(0|[1-9][0-9]*)`, up to 15 digits, nothing around
 * it), or undefined when it is anything else — then JSON.parse decides. Counts, ids and amounts in
 * cents are often values of their own: reading them from the bytes makes no string to parse (about
 * a third of decoding such a record).
 */
function jsonInteger(bytes: Buffer, start: number, end: number): number | undefined {
  let i = start;
  const negative = bytes[i] === 0x2d; // '-'
  if (negative) i++;
  const digits = end - i;
  if (digits < 1 || digits > MAX_INTEGER_DIGITS) return undefined;
  // A leading zero is not JSON ("007"), but "0" and "-0" are.
  if (bytes[i] === 0x30 && digits > 1) return undefined;
  let n = 0;
  for (; i < end; i++) {
    const d = bytes[i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** Names a value's kind for an error message without printing the value itself. */
function describe(value: unknown): string {
  if (typeof value !== 'object') return `a value of type ${typeof value}`;
  const name = (value as object).constructor?.name;
  if (name === 'Object') return 'a plain object';
  return name ? `an instance of ${name}` : 'an object';
}
