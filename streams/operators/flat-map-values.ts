import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamRecord } from '../record.js';
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
            // As `flatMap`: the project function and every iteration step go to the error path.
            let it: Iterator<V2>;
            try {
              it = project(record.value, record)[Symbol.iterator]();
            } catch (err) {
              subscriber.error(err);
              return;
            }
            for (;;) {
              let step: IteratorResult<V2>;
              try {
                step = it.next();
              } catch (err) {
                subscriber.error(err);
                return;
              }
              if (step.done) return;
              subscriber.next({ key: record.key, value: step.value, timestamp: record.timestamp, headers: record.headers, origin: record.origin });
            }
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      ),
    { key: true },
  );
}
