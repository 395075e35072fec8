/**
 * The records fetched for a task and not processed yet, one queue per input partition. A batch
 * takes records in timestamp order across the partitions (so that, for example, a table update
 * and the stream records around it are processed in event-time order) and stops when a partition
 * that had records runs out, so that the next batch can wait for its next records.
 */
import type { InputRecord } from '../processor/source-reader.js';
import { tpKey } from '../../core/index.js';

interface PartitionQueue {
  records: InputRecord[];
  head: number;
}

export class TaskInputQueue {
  readonly #queues = new Map<string, PartitionQueue>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Queues `records` (of one partition); the queue takes ownership of the array. */
  push(records: InputRecord[]): void {
    if (records.length === 0) return;
    const k = tpKey(records[0]);
    let q = this.#queues.get(k);
    if (q === undefined) this.#queues.set(k, (q = { records: [], head: 0 }));
    if (q.head === q.records.length) {
      // Empty: adopt the array rather than copy it record by record.
      q.records = records;
      q.head = 0;
    } else for (const r of records) q.records.push(r);
    this.#size += records.length;
  }

  /** Up to `max` records, in timestamp order across partitions (offset order within one). */
  take(max: number): InputRecord[] {
    const live: PartitionQueue[] = [];
    for (const q of this.#queues.values()) if (q.head < q.records.length) live.push(q);
    if (live.length === 0) return [];
    let out: InputRecord[];
    if (live.length === 1) {
      const q = live[0];
      const end = Math.min(q.records.length, q.head + max);
      out = q.head === 0 && end === q.records.length ? q.records : q.records.slice(q.head, end);
      q.head = end;
    } else {
      out = [];
      while (out.length < max) {
        let best = live[0];
        for (let i = 1; i < live.length; i++) if (live[i].records[live[i].head].timestamp < best.records[best.head].timestamp) best = live[i];
        out.push(best.records[best.head++]);
        if (best.head === best.records.length) break;
      }
    }
    for (const q of live) {
      if (q.head === q.records.length) {
        q.records = [];
        q.head = 0;
      }
    }
    this.#size -= out.length;
    return out;
  }

  /** True when no record of `tp` waits. */
  isEmpty(tp: { topic: string; partition: number }): boolean {
    return this.sizeOf(tp) === 0;
  }

  /** The records of `tp` waiting. */
  sizeOf(tp: { topic: string; partition: number }): number {
    const q = this.#queues.get(tpKey(tp));
    return q === undefined ? 0 : q.records.length - q.head;
  }

  clear(): void {
    this.#queues.clear();
    this.#size = 0;
  }
}
