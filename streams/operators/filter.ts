import { filter as rxFilter, type MonoTypeOperatorFunction, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Keeps the records for which `predicate` returns true. Key- and value-preserving. A type guard
 * narrows the record type.
 *
 * @example
 *   orders.pipe(filter((r) => r.value.total > 100))
 *   lines.pipe(filter((r): r is StreamRecord<string | null, string> => r.value !== null))
 */
export function filter<T extends StreamRecord<unknown, unknown>, S extends T>(predicate: (record: T) => record is S): OperatorFunction<T, S>;
export function filter<T extends StreamRecord<unknown, unknown>>(predicate: (record: T) => boolean): MonoTypeOperatorFunction<T>;
export function filter<T extends StreamRecord<unknown, unknown>>(predicate: (record: T) => boolean): MonoTypeOperatorFunction<T> {
  return markPreserving(rxFilter((record: T) => predicate(record)), { key: true, value: true, recordAtATime: true });
}
