/**
 * Which assigned partitions a consumer fetches in a round, so that what a round costs (a fetch
 * per partition: a promise, a read, a buffer held until it is handed out) grows with the
 * partitions that have records to read, not with the idle ones — nor with the assignment: a
 * consumer of 512 busy partitions holds a few rounds' worth of fetched bytes, not every
 * partition's at once (Kafka bounds a fetch the same way with `fetch.max.bytes`).
 *
 * A fetchable partition (not paused, nothing fetched left) is *ready* when its last fetch saw
 * records past its position (its high watermark, or the last stable offset for read_committed, is
 * beyond it) or it has not been fetched since it was assigned or moved; else it is *idle*: its
 * last fetch came back empty. A round takes up to `maxPartitions` ready partitions and a quarter as
 * many idle ones, each kind in its own rotation (Kafka's rotating fetch order), so a busy partition
 * cannot keep an idle one that receives records from being looked at, and every partition is
 * fetched in turn. A consumer's round may ask for more ready partitions (the `Fetcher` goes on
 * while a round's bytes are under `fetch.max.bytes`); when a round brings nothing, it sweeps every
 * fetchable partition (a long poll, or the last look of a poll that does not wait), so nothing
 * available is missed.
 *
 * Concurrency: synchronous; the consumer owns it.
 */

export interface PlannedPartition {
  paused: boolean;
  /** The next offset to hand out; null until reset. */
  position: number | null;
  /**
   * Where the records visible to the consumer ended at the partition's last fetch (its high
   * watermark, or last stable offset); the position itself after an empty fetch; -1 when unknown.
   */
  fetchedEnd: number;
}

export class FetchPlanner<S extends PlannedPartition> {
  readonly #maxPartitions: number;
  readonly #maxIdle: number;
  #readyCursor = 0;
  #idleCursor = 0;

  /** @param maxPartitions ready partitions per round (at least 1). */
  constructor(maxPartitions: number) {
    this.#maxPartitions = Math.max(1, Math.floor(maxPartitions));
    this.#maxIdle = Math.max(1, this.#maxPartitions >> 2);
  }

  /**
   * The partitions of `states` to fetch next: up to `maxReady` ready ones (default `maxPartitions`)
   * and `maxIdle` idle ones (default a quarter of `maxPartitions`, at least 1); `fetchable` tells
   * those with nothing fetched left.
   */
  next(states: readonly S[], fetchable: (state: S) => boolean, maxReady = this.#maxPartitions, maxIdle = this.#maxIdle): S[] {
    const n = states.length;
    const out: S[] = [];
    if (n === 0) return out;
    let last = -1;
    for (let k = 0; k < n && out.length < maxReady; k++) {
      const i = (this.#readyCursor + k) % n;
      const state = states[i];
      if (fetchable(state) && isReady(state)) {
        out.push(state);
        last = i;
      }
    }
    if (last >= 0) this.#readyCursor = (last + 1) % n;
    const ready = out.length;
    last = -1;
    for (let k = 0; k < n && out.length - ready < maxIdle; k++) {
      const i = (this.#idleCursor + k) % n;
      const state = states[i];
      if (fetchable(state) && !isReady(state)) {
        out.push(state);
        last = i;
      }
    }
    if (last >= 0) this.#idleCursor = (last + 1) % n;
    return out;
  }

  /** Starts both rotations from the first partition (a new assignment). */
  reset(): void {
    this.#readyCursor = 0;
    this.#idleCursor = 0;
  }
}

function isReady(state: PlannedPartition): boolean {
  return state.position === null || state.fetchedEnd < 0 || state.position < state.fetchedEnd;
}
