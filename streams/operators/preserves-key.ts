import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Declares that `op` never changes a record's key, so that a following `groupByKey()` or
 * `join()` needs no repartition topic. Plain RxJS operators are taken to keep keys anyway, and
 * checked at run time where a key-dependent step follows; this mark also skips that check (for a
 * hot path). Getting it wrong (a key does change) sends records of one key to different tasks.
 *
 * @example
 *   orders.pipe(preservesKey(mergeMap(async (r) => ({ ...r, value: await enrich(r.value) }), 4))).groupByKey()
 */
export function preservesKey<K, V, V2>(op: OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return markPreserving(op, { key: true });
}
