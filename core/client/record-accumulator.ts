/**
 * The producer's batches being filled — Kafka's `RecordAccumulator`: one open batch per
 * topic-partition, appended to as records are sent, sealed when full, when the producer's
 * `lingerMs` has passed since the first open batch began, or on `flush`/`close`. A sealed batch
 * goes to the producer's `onSeal` (which sends it); its buffer comes back with `release` once the
 * cluster is done with the bytes, for the next batch to reuse.
 *
 * Sizing: a new batch starts a quarter larger than the last one sealed for its partition, so a
 * batch as large as the last one fits without growing (each growth copies it).
 *
 * In flight: the bytes of batches sealed and not yet settled by the cluster are bounded
 * (`maxInFlightBytes`, in the manner of Kafka's `buffer.memory`): at the bound the accumulator is
 * `full` and the producer waits (`whenNotFull`) before appending more. Without it, a caller that
 * sends faster than the cluster settles — a loop of sends that never yields — holds every batch at
 * once, each in a fresh buffer; with it, a few buffers go round through the pool (which keeps
 * twice the bound of idle ones, most recent first). Open batches are not counted (at most one per
 * partition), so waiting never needs to seal one early.
 *
 * Concurrency: synchronous; one linger timer (or, with `lingerMs` 0, one immediate) at a time.
 */
import type { RecordInput } from '../protocol/record.js';
import { BatchBufferPool } from './batch-buffer-pool.js';
import { PendingBatch } from './pending-batch.js';

/** The smallest batch buffer handed out. */
const BATCH_BUFFER_MIN_BYTES = 16 * 1024;

/** A topic's open batches, indexed by partition. */
export type OpenBatches = (PendingBatch | undefined)[];

export class RecordAccumulator {
  readonly #lingerMs: number;
  readonly #onSeal: (batch: PendingBatch) => void;
  readonly #open = new Map<string, OpenBatches>();
  /** Size of the last sealed batch per topic-partition: the next one starts with that capacity. */
  readonly #lastBatchBytes = new Map<string, number>();
  readonly #buffers: BatchBufferPool;
  readonly #maxInFlightBytes: number;
  /** Bytes of the batches sealed and not yet released. */
  #inFlightBytes = 0;
  /** Callers waiting for `#inFlightBytes` to drop below the bound. */
  #waiters: (() => void)[] = [];
  #lingerTimer: NodeJS.Timeout | null = null;
  #lingerImmediate: NodeJS.Immediate | null = null;

  /** @param maxInFlightBytes bound on the bytes of sealed batches the cluster has not settled */
  constructor(lingerMs: number, maxInFlightBytes: number, onSeal: (batch: PendingBatch) => void) {
    this.#lingerMs = lingerMs;
    this.#maxInFlightBytes = maxInFlightBytes;
    // Twice the bound: room for the buffers of every batch the window holds, also when each was
    // filled only partly (a buffer is as large as the batch before it, a quarter more).
    this.#buffers = new BatchBufferPool(2 * maxInFlightBytes);
    this.#onSeal = onSeal;
  }

  /** True while sealed batches not yet settled add up to `maxInFlightBytes` or more: append no more until `whenNotFull`. */
  get full(): boolean {
    return this.#inFlightBytes >= this.#maxInFlightBytes;
  }

  /** Resolves once the accumulator is no longer `full` (at once when it is not). */
  whenNotFull(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The open batches of `topic` (a sender looks them up once per run of records to one topic). */
  openBatches(topic: string): OpenBatches {
    let open = this.#open.get(topic);
    if (!open) this.#open.set(topic, (open = []));
    return open;
  }

  /**
   * Appends `record` to the open batch of `topic`'s `partition` (`open`: `openBatches(topic)`),
   * sealing a batch it does not fit in and starting a new one. Returns the batch that holds it.
   */
  append(open: OpenBatches, topic: string, partition: number, maxBatchBytes: number, record: RecordInput, now: number): PendingBatch {
    let batch = open[partition];
    if (batch && !batch.builder.tryAppend(record, now)) {
      this.seal(batch);
      batch = undefined;
    }
    if (!batch) {
      const last = this.#lastBatchBytes.get(`${topic}\u0000${partition}`);
      const capacity = last === undefined ? 16 * 1024 : Math.min(maxBatchBytes, Math.ceil(last * 1.25));
      batch = new PendingBatch(topic, partition, maxBatchBytes, capacity, this.#buffers.take(Math.max(capacity, BATCH_BUFFER_MIN_BYTES)));
      open[partition] = batch;
      batch.builder.tryAppend(record, now);
      this.#armLinger();
    }
    return batch;
  }

  /** Closes `batch` to appends and hands it to `onSeal`. */
  seal(batch: PendingBatch): void {
    this.#open.get(batch.topic)![batch.partition] = undefined;
    this.#lastBatchBytes.set(`${batch.topic}\u0000${batch.partition}`, batch.builder.sizeInBytes);
    batch.inFlightBytes = batch.builder.sizeInBytes;
    this.#inFlightBytes += batch.inFlightBytes;
    this.#onSeal(batch);
  }

  /** Seals every open batch (the linger ended, or a flush). */
  sealAll(): void {
    this.clearLinger();
    for (const open of this.#open.values()) {
      for (const batch of open) if (batch) this.seal(batch);
    }
  }

  /** Takes back the buffer of a batch the cluster is done with (resolved or refused). */
  release(batch: PendingBatch): void {
    this.#inFlightBytes -= batch.inFlightBytes;
    batch.inFlightBytes = 0;
    this.#buffers.give(batch.builder.buffer);
    if (this.#waiters.length > 0 && !this.full) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  clearLinger(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    if (this.#lingerImmediate) clearImmediate(this.#lingerImmediate);
    this.#lingerTimer = null;
    this.#lingerImmediate = null;
  }

  #armLinger(): void {
    if (this.#lingerTimer || this.#lingerImmediate) return;
    // linger 0 still lets a synchronous burst of sends share a batch: seal on the next turn.
    if (this.#lingerMs <= 0) this.#lingerImmediate = setImmediate(() => this.#onLinger());
    else this.#lingerTimer = setTimeout(() => this.#onLinger(), this.#lingerMs);
  }

  #onLinger(): void {
    this.#lingerTimer = null;
    this.#lingerImmediate = null;
    this.sealAll();
  }
}
