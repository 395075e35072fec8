/**
 * Materializes a topic as a table: each record sets its key's value (a null value deletes the
 * key) in the store, and passes on as a change — unless it changes nothing: as Kafka's
 * `KTableSource` does since KIP-557 (emit-on-change), an update whose value serializes to the
 * stored value's bytes, with a timestamp not older than the stored one, is dropped, and so is a
 * delete of an absent key. Replaying records after a restart sets the same values in the same
 * order, so a table needs no applied-offset marks.
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
          let updated: boolean;
          try {
            oldValue = store.get(r.key) ?? null;
            updated = store.putIfDifferent(r.key, r.value ?? null, r.timestamp);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          // Downstream table operators need the old value too (see `ChangeRecord`).
          if (updated && emits) subscriber.next(changed(r, r.key, r.value ?? null, oldValue));
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
