/**
 * Where a task is in each of its input partitions — the next offset to process — and what it last
 * committed there. Positions move after each batch (one past its last record per partition), past
 * transaction markers once a partition is drained, and, for partitions read through the in-process
 * hop, to the partition's end at a commit barrier (see `RepartitionHop`).
 */
import type { CommittedOffset, Consumer, OffsetCommitEntry, TopicPartition } from '../../core/index.js';
import type { TaskInputQueue } from './task-input-queue.js';
import { tpKey } from '../../core/index.js';

export class TaskPositions {
  readonly #partitions: readonly TopicPartition[];
  readonly #positions = new Map<string, number>();
  readonly #committed = new Map<string, number>();

  constructor(partitions: readonly TopicPartition[]) {
    this.#partitions = partitions;
  }

  /** Starts from the committed offsets (partitions without one have no position until processed). */
  reset(committed: readonly CommittedOffset[]): void {
    this.#positions.clear();
    this.#committed.clear();
    for (const c of committed) {
      this.#positions.set(tpKey(c), c.offset);
      this.#committed.set(tpKey(c), c.offset);
    }
  }

  get(tp: TopicPartition): number | undefined {
    return this.#positions.get(tpKey(tp));
  }

  /** A copy, by `tpKey`. */
  snapshot(): Map<string, number> {
    return new Map(this.#positions);
  }

  /** The offset last committed in `tp` (undefined: none since `reset`). */
  committedOf(tp: TopicPartition): number | undefined {
    return this.#committed.get(tpKey(tp));
  }

  /**
   * Moves to the positions after a batch (by `tpKey`). With `onlyForward`, a position never moves
   * back: records handed over by several upstream tasks come in the order of their
   * acknowledgements, not of their offsets.
   */
  advance(positions: ReadonlyMap<string, number>, onlyForward: boolean): void {
    for (const [k, position] of positions) if (!onlyForward || position > (this.#positions.get(k) ?? -1)) this.#positions.set(k, position);
  }

  set(tp: TopicPartition, position: number): void {
    this.#positions.set(tpKey(tp), position);
  }

  /**
   * Moves the position of each partition with nothing left to process to the consumer's, which is
   * past the transaction markers after the last record (else a read_committed input would always
   * show a committed offset one marker short of its end). Returns true when one moved.
   */
  advancePastMarkers(consumer: Pick<Consumer, 'drainedPosition'>, queue: TaskInputQueue): boolean {
    let moved = false;
    for (const tp of this.#partitions) {
      if (!queue.isEmpty(tp)) continue;
      const position = this.#positions.get(tpKey(tp));
      const drained = consumer.drainedPosition(tp);
      if (drained === null || (position !== undefined && drained <= position)) continue;
      this.#positions.set(tpKey(tp), drained);
      moved = true;
    }
    return moved;
  }

  /** The positions that moved since they were last committed. */
  uncommitted(): OffsetCommitEntry[] {
    const offsets: OffsetCommitEntry[] = [];
    for (const tp of this.#partitions) {
      const k = tpKey(tp);
      const position = this.#positions.get(k);
      if (position === undefined || position === this.#committed.get(k)) continue;
      offsets.push({ topic: tp.topic, partition: tp.partition, offset: position });
    }
    return offsets;
  }

  /** `offsets` were committed. */
  committed(offsets: readonly OffsetCommitEntry[]): void {
    for (const o of offsets) this.#committed.set(tpKey(o), o.offset);
  }
}
