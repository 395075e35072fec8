/**
 * Applied-offset marks: what makes an aggregate's final value exact under at-least-once.
 *
 * The problem. A task writes its state changes to the changelog *before* it commits its input
 * offsets. If the process dies in between, the restarted task restores the changed state and then
 * processes the uncommitted input again: a count would count those records twice.
 *
 * The mark. Every entry of an aggregation's store remembers, per task input (topic-partition), the
 * highest input offset applied to it, and its changelog record carries those marks in the header
 * `sluice.applied` (`topic:partition:offset,…`). On restore the marks come back with the values.
 * While the task reprocesses input, a record whose offset is ≤ the *restored* mark of the entry it
 * would update was applied before the crash — its effect is already in the restored value — so the
 * update is skipped. Marks set during this run are not used for skipping: within one run a task
 * reads each input offset once, and one input record may update the same entry several times (a
 * `flatMapValues` producing the same key twice).
 *
 * Why it is exact. A task processes its inputs in offset order and writes an entry's changelog
 * record with the entry's whole state, so an entry whose mark for input `p` is `m` reflects exactly
 * the records of `p` up to `m` (all batches before the flush were completed). Marks are per entry,
 * so a changelog write cut short by a crash (some entries written, others not) is still handled.
 */
import type { RecordHeader } from '../../core/index.js';

export const APPLIED_HEADER = 'sluice.applied';

/** The task's input topic-partitions, numbered; marks are arrays indexed by that number. */
export class TaskInputs {
  readonly #index = new Map<string, number>();
  readonly names: readonly string[];

  constructor(partitions: readonly { topic: string; partition: number }[]) {
    this.names = partitions.map((tp) => `${tp.topic}:${tp.partition}`);
    this.names.forEach((n, i) => this.#index.set(n, i));
  }

  indexOf(topic: string, partition: number): number {
    return this.#index.get(`${topic}:${partition}`) ?? -1;
  }

  #lastTopic = '';
  #lastPartition = -1;
  #lastIndex = -1;

  /** The number of the input a record came from (-1: not an input of this task); cached for runs of one input. */
  indexOfOrigin(origin: { readonly topic: string; readonly partition: number }): number {
    if (origin.topic !== this.#lastTopic || origin.partition !== this.#lastPartition) {
      this.#lastTopic = origin.topic;
      this.#lastPartition = origin.partition;
      this.#lastIndex = this.indexOf(origin.topic, origin.partition);
    }
    return this.#lastIndex;
  }

  /** `topic:partition:offset,…` for every input with a mark. */
  encode(marks: readonly number[]): string {
    let out = '';
    for (let i = 0; i < marks.length; i++) {
      if (marks[i] === undefined || marks[i] < 0) continue;
      if (out) out += ',';
      out += `${this.names[i]}:${marks[i]}`;
    }
    return out;
  }

  /** Marks from a header, for this task's inputs (marks of inputs it no longer has are dropped). */
  decode(text: string): number[] | null {
    let marks: number[] | null = null;
    for (const part of text.split(',')) {
      const at = part.lastIndexOf(':');
      if (at < 0) continue;
      const i = this.#index.get(part.slice(0, at));
      if (i === undefined) continue;
      marks ??= new Array<number>(this.names.length).fill(-1);
      marks[i] = Number(part.slice(at + 1));
    }
    return marks;
  }

  header(marks: readonly number[]): RecordHeader {
    return { key: APPLIED_HEADER, value: Buffer.from(this.encode(marks)) };
  }

  static fromHeaders(inputs: TaskInputs, headers: readonly RecordHeader[]): number[] | null {
    for (const h of headers) if (h.key === APPLIED_HEADER && h.value !== null) return inputs.decode(h.value.toString('latin1'));
    return null;
  }
}

/** An entry's marks: live (written to the changelog) and as restored (used to skip reprocessed input). */
export interface Marked {
  marks: number[] | null;
  restored: number[] | null;
}

/** True when the record at `offset` of input `input` was applied to `entry` before the restart. */
export function appliedBefore(entry: Marked, input: number, offset: number): boolean {
  const restored = entry.restored;
  if (restored === null || input < 0) return false;
  const mark = restored[input];
  return mark !== undefined && offset <= mark;
}

/** Records that the record at `offset` of input `input` was applied to `entry`. */
export function markApplied(entry: Marked, input: number, offset: number, inputCount: number): void {
  if (input < 0) return;
  let marks = entry.marks;
  if (marks === null) marks = entry.marks = new Array<number>(inputCount).fill(-1);
  else if (marks === entry.restored) marks = entry.marks = marks.slice();
  if (offset > marks[input]) marks[input] = offset;
}
