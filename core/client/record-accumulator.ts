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
 * Memory: as Kafka's `buffer.memory`, the bytes of batches sealed and not yet settled by the
 * cluster are bounded (`bufferMemoryBytes`): past it the accumulator is `exhausted` and the
 * producer waits (`whenAvailable`) before appending more. Without it, a caller that sends faster
 * than the cluster settles — a loop of sends that never yields — holds every batch at once, each
 * in a fresh buffer; with it, buffers go round through the pool, which keeps up to the same bound
 * of idle ones. Open batches are not counted (at most one per partition), so waiting never needs
 * to seal one early.
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
  readonly #bufferMemoryBytes: number;
  /** Buffer bytes of the batches sealed and not yet released. */
  #sealedBytes = 0;
  /** Callers waiting for `#sealedBytes` to drop below the bound. */
  #memoryWaiters: (() => void)[] = [];
  #lingerTimer: NodeJS.Timeout | null = null;
  #lingerImmediate: NodeJS.Immediate | null = null;

  /**
   * @param bufferMemoryBytes bound on the bytes of sealed batches waiting for the cluster, and on
   *   the idle buffers kept for reuse (Kafka's `buffer.memory`)
   */
  constructor(lingerMs: number, bufferMemoryBytes: number, onSeal: (batch: PendingBatch) => void) {
    this.#lingerMs = lingerMs;
    this.#bufferMemoryBytes = bufferMemoryBytes;
    this.#buffers = new BatchBufferPool(bufferMemoryBytes);
    this.#onSeal = onSeal;
  }

  /** True while sealed batches not yet settled hold `bufferMemoryBytes` or more: append no more until `whenAvailable`. */
  get exhausted(): boolean {
    return this.#sealedBytes >= this.#bufferMemoryBytes;
  }

  /** Resolves once the accumulator is no longer `exhausted` (at once when it is not). */
  whenAvailable(): Promise<void> {
    if (!this.exhausted) return Promise.resolve();
    return new Promise((resolve) => this.#memoryWaiters.push(resolve));
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
    batch.sealedBytes = batch.builder.buffer.length;
    this.#sealedBytes += batch.sealedBytes;
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
    this.#sealedBytes -= batch.sealedBytes;
    batch.sealedBytes = 0;
    this.#buffers.give(batch.builder.buffer);
    if (this.#memoryWaiters.length > 0 && !this.exhausted) {
      const waiters = this.#memoryWaiters;
      this.#memoryWaiters = [];
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
