import { filter as rxFilter, type OperatorFunction } from 'rxjs';
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
export function filter<K, V, R extends StreamRecord<K, V>>(predicate: (record: StreamRecord<K, V>) => record is R): OperatorFunction<StreamRecord<K, V>, R>;
export function filter<K, V>(predicate: (record: StreamRecord<K, V>) => boolean): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>>;
export function filter<K, V>(predicate: (record: StreamRecord<K, V>) => boolean): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return markPreserving(rxFilter((record: StreamRecord<K, V>) => predicate(record)), { key: true, value: true });
}
