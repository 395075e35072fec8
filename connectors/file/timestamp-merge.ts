/**
 * Merges the records of several files by event time, for a `file-source` with
 * `file.timestamp.field`: the files of a folder of time-sorted logs come out as one time-sorted
 * stream, instead of one file after another — which would make most records of the later files
 * late for event-time windows. Each file's own order is kept; a record without a timestamp sorts
 * with the record before it in its file.
 *
 * The merge only emits while every file that still has unread data has records queued: a file
 * whose queue ran dry is read again first (its next records may be the earliest). A file read to
 * its end (for now) does not hold the others back: a log being appended to is not waited for.
 *
 * Not reentrant: the task's `poll` calls it one at a time.
 */
import type { SourceRecord } from '../connector.js';

interface Queue {
  records: readonly SourceRecord[];
  next: number;
  /** The timestamp of the record last queued or taken: what a record without one sorts as. */
  lastMs: number;
}

export class TimestampMerge {
  readonly #queues = new Map<string, Queue>();

  /** True when no record of file `id` is waiting. */
  isEmpty(id: string): boolean {
    const q = this.#queues.get(id);
    return q === undefined || q.next >= q.records.length;
  }

  /** Queues the next records read from file `id` (in file order). */
  add(id: string, records: readonly SourceRecord[]): void {
    if (records.length === 0) return;
    const q = this.#queues.get(id);
    if (q === undefined || q.next >= q.records.length) this.#queues.set(id, { records, next: 0, lastMs: q?.lastMs ?? -Infinity });
    else this.#queues.set(id, { records: [...q.records.slice(q.next), ...records], next: 0, lastMs: q.lastMs });
  }

  /**
   * Up to `max` records, earliest first across files; stops early when a file with more to read
   * (`hasMore(id)`) has nothing queued.
   */
  take(max: number, hasMore: (id: string) => boolean): SourceRecord[] {
    const out: SourceRecord[] = [];
    while (out.length < max) {
      let best: Queue | undefined;
      let bestMs = Infinity;
      for (const [id, q] of this.#queues) {
        if (q.next >= q.records.length) {
          if (hasMore(id)) return out; // its next records are not read yet
          continue;
        }
        const ms = q.records[q.next].timestamp ?? q.lastMs;
        if (best === undefined || ms < bestMs) {
          best = q;
          bestMs = ms;
        }
      }
      if (best === undefined) break;
      out.push(best.records[best.next++]);
      best.lastMs = bestMs;
    }
    for (const [id, q] of this.#queues) if (q.next >= q.records.length && !hasMore(id)) this.#queues.delete(id);
    return out;
  }
}
