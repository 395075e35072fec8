/**
 * Kafka's message grammars as data, and one encoder/decoder that walks them — the way Kafka's own
 * `clients/src/main/resources/common/message/*.json` drive its generated code. A schema is a list of
 * fields, each present in a range of versions, optionally nullable in some, optionally a tagged
 * field (flexible versions only) with a tag number. Structs nest; arrays hold scalars or structs.
 *
 * Flexible versions (KIP-482) use compact strings, bytes and arrays and end every struct with a
 * tagged-field section; unknown tags are skipped on decode, as Kafka does.
 *
 * Decoded messages are plain objects keyed by the field names (camelCase); a field absent in the
 * version decodes to its default. Encoding ignores fields absent in the version.
 */
import { InvalidRequestError } from '../../errors.js';
import type { KafkaReader } from './kafka-reader.js';
import { KafkaWriter } from './kafka-writer.js';

export type ScalarType = 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid';

export type FieldType = ScalarType | `[]${ScalarType}` | Struct | { array: Struct };

/** Versions as [first, last]; `last` is Infinity for "N+". */
export type VersionRange = readonly [number, number];

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullable?: VersionRange;
  /** Tag number, for a field that is tagged in `tagged` versions. */
  readonly tag?: number;
  readonly tagged?: VersionRange;
  readonly default?: unknown;
}

export type Struct = readonly Field[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded messages are dynamic by nature
export type Message = Record<string, any>;

/** Parses "3+", "0-5", "2" or "none" into a range. */
export function versions(spec: string): VersionRange {
  if (spec === 'none') return [1, 0];
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return [Number(plus[1]), Infinity];
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return [Number(range[1]), Number(range[2])];
  if (/^\d+$/.test(spec)) return [Number(spec), Number(spec)];
  throw new Error(`bad version range "${spec}"`);
}

export interface FieldOptions {
  nullable?: string;
  tag?: number;
  tagged?: string;
  default?: unknown;
}

/** Declares a field: `field('MaxBytes', 'int32', '3+', { default: 0x7fffffff })`. */
export function field(name: string, type: FieldType, versionSpec: string, options: FieldOptions = {}): Field {
  return {
    name: name.charAt(0).toLowerCase() + name.slice(1),
    type,
    versions: versions(versionSpec),
    nullable: options.nullable === undefined ? undefined : versions(options.nullable),
    tag: options.tag,
    tagged: options.tagged === undefined ? undefined : versions(options.tagged),
    default: options.default,
  };
}

/** An array of structs: `field('Topics', array([...]), '0+')`. */
export function array(fields: Struct): { array: Struct } {
  return { array: fields };
}

const inRange = (range: VersionRange | undefined, v: number): boolean => range !== undefined && v >= range[0] && v <= range[1];

function defaultOf(f: Field): unknown {
  if (f.default !== undefined) return f.default;
  const t = f.type;
  if (typeof t === 'string') {
    if (t.startsWith('[]')) return [];
    switch (t) {
      case 'string':
        return '';
      case 'bool':
        return false;
      case 'bytes':
        return Buffer.alloc(0);
      case 'records':
        return null;
      case 'uuid':
        return ZERO_UUID;
      default:
        return 0;
    }
  }
  return Array.isArray(t) ? defaultStruct(t as Struct) : [];
}

function defaultStruct(fields: Struct): Message {
  const out: Message = {};
  for (const f of fields) out[f.name] = defaultOf(f);
  return out;
}

export const ZERO_UUID = '00000000000000000000000000000000';

// --- decoding ---

export function decodeStruct(fields: Struct, version: number, flexible: boolean, reader: KafkaReader): Message {
  const out: Message = {};
  for (const f of fields) {
    if (!inRange(f.versions, version) || (flexible && inRange(f.tagged, version))) {
      out[f.name] = inRange(f.versions, version) ? taggedDefault(f, version) : defaultOf(f);
      continue;
    }
    out[f.name] = decodeValue(f, f.type, version, flexible, reader);
  }
  if (flexible) {
    reader.taggedFields((tag, r) => {
      const f = fields.find((x) => x.tag === tag && inRange(x.tagged, version) && inRange(x.versions, version));
      if (!f) return false;
      out[f.name] = decodeValue(f, f.type, version, flexible, r);
      return true;
    });
  }
  return out;
}

function decodeValue(f: Field, type: FieldType, version: number, flexible: boolean, r: KafkaReader): unknown {
  const nullable = inRange(f.nullable, version);
  if (typeof type === 'string') {
    if (type.startsWith('[]')) {
      const count = r.arrayLength(flexible);
      if (count < 0) return nullable ? null : [];
      const element = type.slice(2) as ScalarType;
      const items: unknown[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = decodeScalar(element, false, flexible, r);
      return items;
    }
    return decodeScalar(type as ScalarType, nullable, flexible, r);
  }
  if (Array.isArray(type)) {
    if (nullable && r.int8() < 0) return null;
    return decodeStruct(type as Struct, version, flexible, r);
  }
  const count = r.arrayLength(flexible);
  if (count < 0) return nullable ? null : [];
  const items: Message[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = decodeStruct((type as { array: Struct }).array, version, flexible, r);
  return items;
}

function decodeScalar(type: ScalarType, nullable: boolean, flexible: boolean, r: KafkaReader): unknown {
  switch (type) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string':
      return nullable ? r.nullableString(flexible) : r.string(flexible);
    case 'bytes':
      return nullable ? r.nullableBytes(flexible) : r.bytes(flexible);
    case 'records':
      return r.nullableBytes(flexible);
  }
}

// --- encoding ---

export function encodeStruct(fields: Struct, version: number, flexible: boolean, value: Message, w: KafkaWriter): void {
  let tagged: Field[] | undefined;
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    if (flexible && inRange(f.tagged, version)) {
      const v = value[f.name];
      if (v !== undefined && v !== null && v !== taggedDefault(f, version)) (tagged ??= []).push(f);
      continue;
    }
    const v = value[f.name];
    encodeValue(f, f.type, version, flexible, v === undefined ? defaultOf(f) : v, w);
  }
  if (flexible) {
    if (!tagged) {
      w.uvarint(0);
      return;
    }
    tagged.sort((a, b) => a.tag! - b.tag!);
    w.uvarint(tagged.length);
    for (const f of tagged) {
      const inner = new KafkaWriter();
      encodeValue(f, f.type, version, flexible, value[f.name], inner);
      w.uvarint(f.tag!).uvarint(inner.length);
      for (const chunk of inner.finish()) w.raw(chunk);
    }
  }
}

/** The value an unsent tagged field has: null for a nullable one without a default, as in Kafka's generated code. */
function taggedDefault(f: Field, version: number): unknown {
  return inRange(f.nullable, version) && f.default === undefined ? null : defaultOf(f);
}

function encodeValue(f: Field, type: FieldType, version: number, flexible: boolean, v: unknown, w: KafkaWriter): void {
  const nullable = inRange(f.nullable, version);
  if (typeof type === 'string') {
    if (type.startsWith('[]')) {
      if (v === null && nullable) {
        w.arrayLength(-1, flexible);
        return;
      }
      const items = (v ?? []) as unknown[];
      w.arrayLength(items.length, flexible);
      const element = type.slice(2) as ScalarType;
      for (const item of items) encodeScalar(element, false, flexible, item, w);
      return;
    }
    encodeScalar(type as ScalarType, nullable, flexible, v, w);
    return;
  }
  if (Array.isArray(type)) {
    if (nullable) {
      w.int8(v === null ? -1 : 1);
      if (v === null) return;
    }
    encodeStruct(type as Struct, version, flexible, (v ?? {}) as Message, w);
    return;
  }
  if (v === null && nullable) {
    w.arrayLength(-1, flexible);
    return;
  }
  const items = (v ?? []) as Message[];
  w.arrayLength(items.length, flexible);
  for (const item of items) encodeStruct((type as { array: Struct }).array, version, flexible, item, w);
}

function encodeScalar(type: ScalarType, nullable: boolean, flexible: boolean, v: unknown, w: KafkaWriter): void {
  switch (type) {
    case 'int8':
      w.int8(v as number);
      return;
    case 'int16':
      w.int16(v as number);
      return;
    case 'uint16':
      w.uint16(v as number);
      return;
    case 'int32':
      w.int32(v as number);
      return;
    case 'int64':
      w.int64(v as number);
      return;
    case 'float64':
      w.float64(v as number);
      return;
    case 'bool':
      w.bool(v as boolean);
      return;
    case 'uuid':
      w.uuid((v as string) ?? ZERO_UUID);
      return;
    case 'string':
      w.string(v === null && !nullable ? '' : (v as string | null), flexible);
      return;
    case 'bytes':
    case 'records':
      w.bytes(v === null && !nullable && type === 'bytes' ? Buffer.alloc(0) : (v as Buffer | null), flexible);
      return;
  }
}

/** Throws unless the reader consumed the whole message (trailing bytes mean a grammar mismatch). */
export function assertConsumed(reader: KafkaReader, what: string): void {
  if (reader.remaining !== 0) throw new InvalidRequestError(`${what}: ${reader.remaining} unexpected bytes after the message at byte ${reader.pos}`);
}
