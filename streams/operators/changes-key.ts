import type { OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Declares that `op` may change records' keys, so that a following `groupByKey()` or `join()`
 * goes through a repartition topic. Without it, an RxJS operator is taken to keep keys (checked
 * at run time where it matters: a changed key before an aggregation or join fails the task).
 * This package's `map`, `flatMap` and `selectKey` are marked already.
 *
 * @example
 *   orders.pipe(changesKey(rxMap((r) => ({ ...r, key: r.value.customerId })))).groupByKey()
 */
export function changesKey<K, V, K2, V2>(op: OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return markPreserving(op, { changesKey: true });
}
