/**
 * The order of a producer's sends while some of them must wait — for room in the in-flight window
 * (`maxInFlightBytes`) or behind a send that waits for it — so that records keep the order of
 * `send` calls.
 *
 * A send of many records batches what fits and, when the window fills, `pauseUntil` the rest is
 * batched; a send of one record waits whole (`run` with `needsRoom`) until there is room. Sends
 * made meanwhile queue here, oldest first, and run in order once the pause is over, until one
 * pauses again or — finding no room, and staying first — makes the queue wait for room anew. One
 * queue entry per waiting send rather than a promise chain per send, which every new pause would
 * re-chain: with many single-record sends outstanding, that was most of the work.
 *
 * Concurrency: synchronous; entries run from the microtask that ends a pause.
 */
import type { RecordAccumulator } from './record-accumulator.js';

/** Run entries kept at the front of `#waiting` before it is compacted under a standing backlog. */
const COMPACT_AFTER = 4096;

export class SendQueue {
  readonly #accumulator: RecordAccumulator;
  /** Set while a send waits with records still to batch, or while the queue waits for room. Never rejects. */
  #paused: Promise<void> | null = null;
  /** Waiting sends from `#head` on; each returns false when it found no room (and stays first). */
  #waiting: ((() => boolean) | undefined)[] = [];
  #head = 0;

  /** @param accumulator whose in-flight window (`full`, `whenNotFull`) single-record sends wait for */
  constructor(accumulator: RecordAccumulator) {
    this.#accumulator = accumulator;
  }

  /** True while a send is paused or others wait: a new send must `run` behind them. */
  get busy(): boolean {
    return this.#paused !== null || this.#head < this.#waiting.length;
  }

  /** The pause under way, if any: `flush` waits for it before sealing what is batched. */
  get paused(): Promise<void> | null {
    return this.#paused;
  }

  /**
   * Runs `enqueue` now, or after the sends waiting before it. `needsRoom`: `enqueue` also waits
   * while the in-flight window is full (a send of many waits inside instead, having batched what
   * fitted, through `pauseUntil`).
   */
  run<T>(enqueue: () => Promise<T>, needsRoom: boolean): Promise<T> {
    const queued = this.busy;
    if (!queued && !(needsRoom && this.#accumulator.full)) return tryStart(enqueue);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        if (needsRoom && this.#accumulator.full) return false;
        tryStart(enqueue).then(resolve, reject);
        return true;
      });
      if (!queued) this.pauseUntil(this.#accumulator.whenNotFull());
    });
  }

  /** Makes later sends wait until `rest` settles (the part of a send still to batch), then runs them. */
  pauseUntil(rest: Promise<unknown>): void {
    const paused: Promise<void> = rest.then(
      () => this.#resume(paused),
      () => this.#resume(paused),
    );
    this.#paused = paused;
  }

  #resume(paused: Promise<void>): void {
    if (this.#paused !== paused) return;
    this.#paused = null;
    while (this.#paused === null && this.#head < this.#waiting.length) {
      if (!this.#waiting[this.#head]!()) {
        this.pauseUntil(this.#accumulator.whenNotFull());
        break;
      }
      this.#waiting[this.#head++] = undefined;
    }
    // Drop the run entries: at once when none wait, and by halves under a backlog that never
    // drains (a producer outrunning its acknowledgements for hours), which would otherwise grow.
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Starts `enqueue`; a synchronous throw (a serializer's) becomes the send's rejection, now or after waiting. */
function tryStart<T>(enqueue: () => Promise<T>): Promise<T> {
  try {
    return enqueue();
  } catch (err) {
    return Promise.reject(err);
  }
}
