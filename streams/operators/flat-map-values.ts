import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
import { emitEach } from './emit-each.js';
import { markPreserving } from './key-preservation.js';

/**
 * Turns each record into zero or more records with the same key, one per value returned.
 * Key-preserving.
 *
 * @param project returns the values to emit (any iterable, e.g. an array).
 * @example
 *   lines.pipe(flatMapValues((line) => line.split(/\s+/)))
 */
export function flatMapValues<K, V, V2>(project: (value: V, record: StreamRecord<K, V>) => Iterable<V2>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return markPreserving(
    (source: Observable<StreamRecord<K, V>>) =>
      new Observable<StreamRecord<K, V2>>((subscriber) =>
        source.subscribe({
          next(record) {
            emitEach(subscriber, () => project(record.value, record), (value) => ({ key: record.key, value, timestamp: record.timestamp, headers: record.headers, origin: record.origin }));
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      ),
    { key: true, recordAtATime: true },
  );
}
