import { mergeMap, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Replaces each record's value with the result of an asynchronous call, at most `concurrency`
 * calls at a time (RxJS `mergeMap` with a bound). Results come out in completion order. The
 * batch completes only when every call has settled, so its offsets are committed after them; a
 * slow call therefore slows fetching (backpressure). Key-preserving.
 *
 * @example
 *   orders.pipe(mapValuesAsync(async (order) => ({ ...order, customer: await crm.lookup(order.customerId) }), 8))
 */
export function mapValuesAsync<K, V, V2>(
  project: (value: V, record: StreamRecord<K, V>) => Promise<V2> | V2,
  concurrency = 1,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return markPreserving(
    mergeMap(async (record: StreamRecord<K, V>) => {
      const value = await project(record.value, record);
      return { key: record.key, value, timestamp: record.timestamp, headers: record.headers, origin: record.origin };
    }, concurrency),
    { key: true, recordAtATime: true },
  );
}
