import { map as rxMap, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Gives each record a new key computed from it; the value, timestamp, headers and origin are
 * kept. A following `groupByKey()` or `join()` repartitions by the new key.
 *
 * @example
 *   pageViews.pipe(selectKey((r) => r.value.page))
 */
export function selectKey<K, V, K2>(keySelector: (record: StreamRecord<K, V>) => K2): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V>> {
  return markPreserving(
    rxMap((record: StreamRecord<K, V>) => ({ key: keySelector(record), value: record.value, timestamp: record.timestamp, headers: record.headers, origin: record.origin })),
    { value: true, changesKey: true, recordAtATime: true },
  );
}
