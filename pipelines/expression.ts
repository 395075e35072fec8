/**
 * JSONata (https://jsonata.org) expressions in pipeline steps. The input (`$`) is the record's
 * value; the rest of the record is bound as variables, as in the connectors' `filter` transform:
 * `$key`, `$timestamp`, `$headers` (header name → UTF-8 text), `$topic`, `$partition`, `$offset`
 * (where the record was read). A join's `value` also gets `$table`.
 *
 * Expressions are compiled when the pipeline is validated, so a syntax error is reported with the
 * file, line and column of the offending character.
 *
 * @example
 *   const e = compileExpression('status = "paid" and $key != null');
 *   await e.evaluate(record); // true | false | …
 */
import jsonata from 'jsonata';
import type { RecordHeader } from '../core/index.js';
import { ExpressionError } from '../connectors/transforms/expression-error.js';

/** The parts of a record an expression can see. */
export interface ExpressionRecord {
  readonly key: unknown;
  readonly value: unknown;
  readonly timestamp?: number;
  readonly headers?: readonly RecordHeader[];
  readonly origin?: { readonly topic: string; readonly partition: number; readonly offset: number };
}

export interface Expression {
  /** The expression's text. */
  readonly source: string;
  /**
   * Evaluates on a record; `undefined` when the expression matched nothing.
   * @throws ExpressionError (rejects) naming the expression, JSONata's message and position.
   */
  evaluate(record: ExpressionRecord, bindings?: Record<string, unknown>): Promise<unknown>;
}

/** A syntax error in an expression; `index` is the 0-based character it was found at. */
export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

/**
 * Compiles a JSONata expression.
 * @throws ExpressionSyntaxError with the position of the error.
 */
export function compileExpression(source: string): Expression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source);
  } catch (error) {
    const e = error as { message?: string; position?: number; code?: string };
    // JSONata's position is the 1-based column of the end of the offending token.
    const index = typeof e.position === 'number' ? Math.max(0, Math.min(e.position - 1, source.length)) : 0;
    throw new ExpressionSyntaxError(e.message ?? String(error), index, e.code);
  }
  return {
    source,
    evaluate: (record, bindings) =>
      compiled.evaluate(record.value, {
        key: record.key,
        timestamp: record.timestamp,
        headers: headersObject(record.headers),
        topic: record.origin?.topic,
        partition: record.origin?.partition,
        offset: record.origin?.offset,
        ...bindings,
      }).catch((error: unknown) => {
        throw new ExpressionError(source, error);
      }) as Promise<unknown>,
  };
}

/** JSONata's truthiness (`$boolean`): what `filter` and `when` keep. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(truthy);
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'function') return false;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function headersObject(headers: readonly RecordHeader[] | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const h of headers ?? []) out[h.key] = h.value === null ? null : h.value.toString('utf8');
  return out;
}
