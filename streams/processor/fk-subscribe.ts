/**
 * Foreign-key join, left side, step 1 (Kafka's `SubscriptionSendProcessorSupplier`): turns each
 * change of the left table into subscription records keyed by foreign key, for the right side's
 * partitions. Each carries the digest of the row's new value, the row's key and this task's
 * partition (where the answer goes).
 *
 * Kafka's instructions, per change (old value → new value, their foreign keys `oldFk` → `newFk`):
 * - inner join: an insert subscribes to `newFk`, answered only if the right row exists; an update
 *   that keeps its foreign key the same; an update that changes it unsubscribes from `oldFk`
 *   without an answer and subscribes to `newFk`, answered even when the right row is absent (to
 *   delete the old result); a delete, or a new foreign key of null, unsubscribes from `oldFk` with
 *   an answer that deletes the result; a null `newFk` with no old row is dropped;
 * - left join: unsubscribes from a changed `oldFk` without an answer, and always subscribes to
 *   `newFk`, answered with the right value or null — a null `newFk` (also for a delete) is sent
 *   with a null key, which the right side answers with null at once.
 */
import { Observable } from 'rxjs';
import { Instruction, valueHash, type Subscription } from '../foreign-key-records.js';
import { keyId } from '../state/key-id.js';
import type { AnyRecord, AnySerde, FkSubscribeNode } from '../topology/nodes.js';
import { oldValueOf } from './change-record.js';
import type { TaskEnvironment } from './task-environment.js';

export function fkSubscribe(node: FkSubscribeNode, leftValueSerde: AnySerde, foreignKeySerde: AnySerde, env: TaskEnvironment) {
  const { foreignKeyExtractor, leftJoin } = node;
  const foreignKeyOf = (key: unknown, value: unknown): unknown => (value === null ? null : (foreignKeyExtractor(value, key) ?? null));
  /** Equal as bytes, as Kafka compares foreign keys. */
  const sameForeignKey = (a: unknown, b: unknown): boolean => (a === null || b === null ? a === b : keyId(a, foreignKeySerde) === keyId(b, foreignKeySerde));

  /** The subscriptions for one change, as [foreign key, instruction] pairs. */
  const instructions = (key: unknown, oldValue: unknown, newValue: unknown): [unknown, Instruction][] => {
    const oldFk = foreignKeyOf(key, oldValue);
    if (leftJoin) {
      if (oldValue === null && newValue === null) return [];
      const newFk = foreignKeyOf(key, newValue);
      const out: [unknown, Instruction][] = [];
      if (oldFk !== null && !sameForeignKey(oldFk, newFk)) out.push([oldFk, Instruction.DELETE_KEY_NO_PROPAGATE]);
      out.push([newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE]);
      return out;
    }
    if (newValue === null) return oldFk === null ? [] : [[oldFk, Instruction.DELETE_KEY_AND_PROPAGATE]];
    const newFk = foreignKeyOf(key, newValue);
    if (newFk === null) return oldFk === null ? [] : [[oldFk, Instruction.DELETE_KEY_AND_PROPAGATE]];
    if (oldFk === null || sameForeignKey(oldFk, newFk)) return [[newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE]];
    return [
      [oldFk, Instruction.DELETE_KEY_NO_PROPAGATE],
      [newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE],
    ];
  };

  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined) return;
          const newValue = r.value ?? null;
          let out: AnyRecord[];
          try {
            const sends = instructions(r.key, oldValueOf(r), newValue);
            if (sends.length === 0) return;
            const hash = valueHash(leftValueSerde, newValue);
            out = sends.map(([foreignKey, instruction]) => {
              const value: Subscription<unknown> = { instruction, hash, primaryKey: r.key, primaryPartition: env.partition };
              return { key: foreignKey, value, timestamp: r.timestamp, headers: r.headers, origin: r.origin };
            });
          } catch (err) {
            subscriber.error(err);
            return;
          }
          for (const record of out) subscriber.next(record);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
