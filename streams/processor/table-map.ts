/**
 * A table derived value by value from its parent (`KTable.filter`, `KTable.mapValues`): both the new
 * and the old value of each change go through `fn` (Kafka's `KTableFilter`/`KTableMapValues` with
 * old values enabled). A change that is absent before and after (filtered out both times) is not
 * forwarded: the derived table did not change.
 */
import { Observable } from 'rxjs';
import type { AnyRecord, TableMapNode } from '../topology/nodes.js';
import { changed, oldValueOf } from './change-record.js';

export function tableMap(node: TableMapNode) {
  const { fn } = node;
  const apply = (key: unknown, value: unknown): unknown => (value === null || value === undefined ? null : (fn(key, value) ?? null));
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          let value: unknown;
          let oldValue: unknown;
          try {
            value = apply(r.key, r.value);
            oldValue = apply(r.key, oldValueOf(r));
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (value === null && oldValue === null) return;
          subscriber.next(changed(r, r.key, value, oldValue));
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
