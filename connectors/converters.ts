/**
 * Converters (`key.converter`, `value.converter`): between a connector's representation of a key
 * or value and record bytes, as Kafka Connect's StringConverter, JsonConverter (schemas off) and
 * ByteArrayConverter.
 *
 * | converter | source → topic (`fromConnector`)                               | topic → sink (`toConnector`) |
 * |-----------|----------------------------------------------------------------|------------------------------|
 * | `string`  | strings and bytes as they are; numbers, booleans as text; objects as JSON | UTF-8 string          |
 * | `json`    | bytes are taken as JSON text (checked); anything else is serialized (a string becomes `"…"`) | parsed JSON value |
 * | `bytes`   | bytes as they are, a string as UTF-8; anything else is an error | `Buffer`                    |
 *
 * `null` (and `undefined`) stay `null` both ways: a null value is a tombstone on a compacted topic.
 */
import { jsonSyntaxError } from './json-text.js';

export type ConverterName = 'string' | 'json' | 'bytes';

export const CONVERTER_NAMES: readonly ConverterName[] = ['string', 'json', 'bytes'];

export interface Converter {
  readonly name: ConverterName;
  /** A connector's key or value → record bytes (a string is written as UTF-8). @throws Error when it has no byte form here. */
  fromConnector(value: unknown): Uint8Array | string | null;
  /** Record bytes → the key or value handed to transforms and the sink. @throws Error for bytes the converter cannot read. */
  toConnector(bytes: Buffer | null): unknown;
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
}

function kind(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a value of type ${typeof value}`;
}

const stringConverter: Converter = {
  name: 'string',
  fromConnector(value) {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || value instanceof Uint8Array) return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    return jsonText(value);
  },
  toConnector: (bytes) => (bytes === null ? null : bytes.toString('utf8')),
};

const jsonConverter: Converter = {
  name: 'json',
  fromConnector(value) {
    if (value === null || value === undefined) return null;
    if (value instanceof Uint8Array) {
      const problem = jsonSyntaxError(value);
      if (problem) throw new Error(`json converter: the bytes are not valid JSON (${snippet(asBuffer(value).toString('utf8'))}): ${problem.message} at byte ${problem.at}`);
      return value;
    }
    return jsonText(value);
  },
  toConnector(bytes) {
    if (bytes === null) return null;
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new Error(`json converter: the record is not valid JSON (${snippet(text)}): ${(error as Error).message}`);
    }
  },
};

const bytesConverter: Converter = {
  name: 'bytes',
  fromConnector(value) {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || value instanceof Uint8Array) return value;
    throw new Error(`bytes converter needs bytes or a string, got ${kind(value)}; use the json or string converter`);
  },
  toConnector: (bytes) => bytes,
};

function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new Error(`cannot write ${kind(value)} as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new Error(`cannot write ${kind(value)} as JSON`);
  return text;
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
}

const CONVERTERS: Record<ConverterName, Converter> = { string: stringConverter, json: jsonConverter, bytes: bytesConverter };

export function converter(name: ConverterName): Converter {
  return CONVERTERS[name];
}
