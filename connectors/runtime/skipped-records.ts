/**
 * Warnings for records skipped under `errors.tolerance: all` without a dead-letter topic: they
 * leave no other trace than a count, so each reason is reported once, with how many records it
 * skipped in the batch where it first appeared ("700 records skipped … : maximum messages
 * exceeded"); later records with a reason already reported are counted silently (the status's
 * `recordsFailed`, the run summary).
 *
 * @example
 *   const skipped = new SkippedRecords(warn);
 *   skipped.add('TASK_PUT', 'jetstream-sink', error); // per failing record
 *   skipped.flush(); // once per batch
 */

/** Distinct reasons remembered; beyond it, new reasons are still reported, no longer deduplicated. */
const MAX_REASONS = 100;
const MAX_LINES_PER_FLUSH = 10;

export class SkippedRecords {
  readonly #warn: (message: string) => void;
  readonly #reported = new Set<string>();
  readonly #pending = new Map<string, number>();

  constructor(warn: (message: string) => void) {
    this.#warn = warn;
  }

  /** Counts a skipped record; `stage` and `className` as in the dead-letter headers. */
  add(stage: string, className: string, error: unknown): void {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    const reason = `${stage} (${className}): ${message}`;
    if (this.#reported.has(reason)) return;
    this.#pending.set(reason, (this.#pending.get(reason) ?? 0) + 1);
  }

  /** Warns once for each reason first seen since the last flush (at most 10 lines), with its count. */
  flush(): void {
    let lines = 0;
    let otherRecords = 0;
    for (const [reason, count] of this.#pending) {
      if (this.#reported.size < MAX_REASONS) this.#reported.add(reason);
      // Messages that differ per record (an id in them) must not become a line per record.
      if (++lines > MAX_LINES_PER_FLUSH) {
        otherRecords += count;
        continue;
      }
      this.#warn(`${count} record${count === 1 ? '' : 's'} skipped (errors.tolerance=all, no errors.deadletterqueue.topic.name; further ones are only counted): ${reason}`);
    }
    if (otherRecords > 0) this.#warn(`${otherRecords} more record${otherRecords === 1 ? '' : 's'} skipped for ${lines - MAX_LINES_PER_FLUSH} other reasons`);
    this.#pending.clear();
  }
}
