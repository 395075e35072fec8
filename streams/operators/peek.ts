import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Calls `action` with each record and passes the record on unchanged (RxJS `tap` for records).
 * Key- and value-preserving.
 *
 * @example
 *   orders.pipe(peek((r) => console.log(r.origin.offset, r.key)))
 */
export function peek<K, V>(action: (record: StreamRecord<K, V>) => void): MonoTypeOperatorFunction<StreamRecord<K, V>> {
  return markPreserving(tap<StreamRecord<K, V>>(action), { key: true, value: true, recordAtATime: true });
}
