import { map as rxMap, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { markPreserving } from './key-preservation.js';

/**
 * Replaces each record's value, keeping its key, timestamp, headers and origin. Key-preserving:
 * a following `groupByKey()` needs no repartition.
 *
 * @param project called with the value and the whole record.
 * @example
 *   lines.pipe(mapValues((line) => line.toLowerCase()))
 */
export function mapValues<K, V, V2>(project: (value: V, record: StreamRecord<K, V>) => V2): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return markPreserving(
    rxMap((record: StreamRecord<K, V>) => ({ key: record.key, value: project(record.value, record), timestamp: record.timestamp, headers: record.headers, origin: record.origin })),
    { key: true, recordAtATime: true },
  );
}
