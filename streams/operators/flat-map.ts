import { Observable, type OperatorFunction } from 'rxjs';
import type { KeyValue, StreamRecord } from '../record.js';
import { emitEach } from './emit-each.js';
import { markPreserving } from './key-preservation.js';

/**
 * Turns each record into zero or more records with new keys and values; each keeps the input's
 * timestamp, headers and origin. The key may change (see {@link flatMapValues} otherwise).
 *
 * @param project returns the key-value pairs to emit (any iterable, e.g. an array).
 * @example
 *   // one record per word, keyed by the word
 *   lines.pipe(flatMap((r) => r.value.split(' ').map((word) => ({ key: word, value: 1 }))))
 */
export function flatMap<K, V, K2, V2>(project: (record: StreamRecord<K, V>) => Iterable<KeyValue<K2, V2>>): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return markPreserving(
    (source: Observable<StreamRecord<K, V>>) =>
      new Observable<StreamRecord<K2, V2>>((subscriber) =>
        source.subscribe({
          next(record) {
            emitEach(subscriber, () => project(record), (kv) => ({ key: kv.key, value: kv.value, timestamp: record.timestamp, headers: record.headers, origin: record.origin }));
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      ),
    { changesKey: true, recordAtATime: true },
  );
}
