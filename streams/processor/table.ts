/**
 * Materializes a topic as a table: each record sets its key's value (a null value deletes the
 * key) in the store, and passes on as a change. Replaying records after a restart sets the same
 * values in the same order, so a table needs no applied-offset marks.
 */
import { Observable } from 'rxjs';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, TableNode } from '../topology/nodes.js';
import { changed } from './change-record.js';

export function materialize(node: TableNode, store: KeyValueStore<unknown, unknown>) {
  const emits = node.children.length > 0;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined) return;
          let oldValue: unknown;
          try {
            oldValue = store.get(r.key) ?? null;
            if (r.value === null || r.value === undefined) store.delete(r.key);
            else store.put(r.key, r.value);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          // Downstream table operators need the old value too (see `ChangeRecord`).
          if (emits) subscriber.next(changed(r, r.key, r.value ?? null, oldValue));
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
