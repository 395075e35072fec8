/**
 * Single-record transforms (Kafka Connect's SMTs): a config's `transforms` list is compiled into a
 * chain that runs on every record — after the source and before the converters for sources, after
 * the converters and before the sink for sinks. Each transform type is a module exporting a
 * {@link TransformType} (its JSON Schema next to its code); `transforms/index.ts` lists them.
 */
import type { HeadersInput } from '../../core/index.js';
import type { ConfigProblem, JsonSchema } from '../connector.js';

/**
 * The record a transform sees. Transforms may modify it in place and return it, return a new one,
 * or return `null` to drop the record.
 */
export interface TransformRecord {
  topic: string;
  /** Sinks: the partition and offset the record was read from. */
  partition?: number;
  offset?: number;
  key: unknown;
  value: unknown;
  headers?: HeadersInput;
  timestamp?: number;
}

export interface Transform {
  /** @throws Error when the record cannot be transformed (it then follows `errors.tolerance`). */
  apply(record: TransformRecord): TransformRecord | null | Promise<TransformRecord | null>;
}

export interface TransformType<C = Record<string, unknown>> {
  /** The `type` value in a `transforms` entry. */
  readonly type: string;
  readonly description: string;
  /** The entry's own fields (besides `type`); merged into a closed object schema. */
  readonly schema: { properties: { [field: string]: JsonSchema }; required: string[] };
  /** Checks beyond the schema (expressions that don't compile); paths relative to the entry (`/expression`). */
  validate?(config: C): ConfigProblem[];
  create(config: C): Transform;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTransformType = TransformType<any>;

/** A compiled chain. `apply` resolves `null` when a transform dropped the record. */
export interface TransformChain {
  readonly length: number;
  apply(record: TransformRecord): TransformRecord | null | Promise<TransformRecord | null>;
}

/** Thrown by a chain: which transform failed (its index and type) and why. */
export class TransformError extends Error {
  constructor(
    readonly index: number,
    readonly type: string,
    cause: unknown,
  ) {
    super(`transforms[${index}] (${type}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransformError';
  }
}

/** Compiles validated `transforms` entries into one chain (synchronous as long as every step is). */
export function compileTransforms(entries: readonly ({ type: string } & Record<string, unknown>)[], types: ReadonlyMap<string, AnyTransformType>): TransformChain {
  const steps = entries.map((entry, index) => ({ index, type: entry.type, transform: types.get(entry.type)!.create(entry) }));
  const run = (record: TransformRecord, from: number): TransformRecord | null | Promise<TransformRecord | null> => {
    let current: TransformRecord | null = record;
    for (let i = from; i < steps.length && current !== null; i++) {
      const step = steps[i];
      let out: TransformRecord | null | Promise<TransformRecord | null>;
      try {
        out = step.transform.apply(current);
      } catch (error) {
        throw new TransformError(step.index, step.type, error);
      }
      if (out instanceof Promise) {
        return out.then(
          (r) => (r === null ? null : run(r, i + 1)),
          (error: unknown) => {
            throw new TransformError(step.index, step.type, error);
          },
        );
      }
      current = out;
    }
    return current;
  };
  return { length: steps.length, apply: (record) => (steps.length === 0 ? record : run(record, 0)) };
}

/**
 * The record's value as an object for field transforms: objects as they are; bytes or a string
 * holding a JSON object are parsed (and the record keeps the parsed value).
 * @throws Error when the value is not (and does not hold) a JSON object.
 */
export function objectValue(record: TransformRecord, what: string): Record<string, unknown> {
  let value = record.value;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const text = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${what} needs an object value; the value is ${typeof record.value === 'string' ? 'a string' : 'bytes'} that are not a JSON object`);
    }
    record.value = value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} needs an object value, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Schema for a field path option. */
export function fieldPathSchema(description: string, example: string): JsonSchema {
  return { type: 'string', minLength: 1, pattern: '^[^.]+(\\.[^.]+)*$', description, examples: [example] };
}
