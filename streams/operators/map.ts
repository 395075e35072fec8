import { map as rxMap, type OperatorFunction } from 'rxjs';
import type { KeyValue, StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Replaces each record's key and value; the timestamp, headers and origin are kept. The key may
 * change, so a following `groupByKey()` or `join()` goes through a repartition topic (use
 * {@link mapValues} when only the value changes).
 *
 * @param project called once per record; returns the new key and value.
 * @example
 *   // clicks keyed by user → keyed by page, value 1
 *   clicks.pipe(map((r) => ({ key: r.value.page, value: 1 })))
 */
export function map<K, V, K2, V2>(project: (record: StreamRecord<K, V>) => KeyValue<K2, V2>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return markPreserving(
    rxMap((record: StreamRecord<K, V>) => {
      const kv = project(record);
      return { key: kv.key, value: kv.value, timestamp: record.timestamp, headers: record.headers, origin: record.origin };
    }),
    { changesKey: true, recordAtATime: true },
  );
}
