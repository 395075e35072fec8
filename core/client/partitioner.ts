/**
 * Choosing a partition for a record the way Kafka's Java producer does, so that a key lands on the
 * same partition whether Sluice or a Java/librdkafka (`murmur2_random`) client wrote it.
 */
import { InvalidPartitionsError, UnknownPartitionError } from '../errors.js';
import { murmur2, toPositive } from './murmur2.js';

/**
 * Picks the partition of each record the producer sends. Plug your own into the producer to route
 * records differently; the default is {@link DefaultPartitioner}.
 *
 * Contract: called synchronously once per record, before the record joins a batch; it must return
 * an integer in `[0, partitionCount)`.
 *
 * @example
 * // Everything for one tenant on one partition, whatever the rest of the key.
 * const byTenant: Partitioner = {
 *   partition: (topic, key, count, explicit) =>
 *     explicit ?? (key === null ? 0 : partitionForKey(key.subarray(0, 8), count)),
 * };
 */
export interface Partitioner {
  /**
   * @param topic the record's topic.
   * @param key the serialized key (UTF-8 bytes for a string key), or `null` for a keyless record;
   *   only valid during the call (the producer reuses the buffer), so copy it to keep it.
   * @param partitionCount how many partitions the topic has now.
   * @param explicit the partition the caller asked for, if any.
   * @returns the partition to append to.
   */
  partition(topic: string, key: Uint8Array | null, partitionCount: number, explicit?: number): number;
  /**
   * Told when the producer sealed (closed, because it was full or lingered long enough) a batch
   * for `topic`/`partition`. Sticky partitioners switch partitions here; others may omit it.
   */
  onBatchSealed?(topic: string, partition: number): void;
}

/**
 * The partition Kafka's default partitioner gives a keyed record:
 * `toPositive(murmur2(key)) % partitionCount` (`BuiltInPartitioner.partitionForKey`).
 */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

export interface DefaultPartitionerOptions {
  /**
   * Source of uniform numbers in [0, 1) used to pick the next sticky partition for keyless records.
   * Default `Math.random`; inject a seeded one for reproducible tests.
   */
  random?: () => number;
}

/** Where keyless records of one topic go now, and whether that batch was sealed since. */
interface StickyState {
  partition: number;
  sealed: boolean;
}

/**
 * Kafka's default partitioning:
 *
 * 1. an explicit partition wins (it must exist, else {@link UnknownPartitionError});
 * 2. a keyed record goes to {@link partitionForKey}, the partition a Java client picks;
 * 3. keyless records stick to one partition per topic until the producer reports, through
 *    {@link onBatchSealed}, that the batch for that partition was sealed; the next keyless record
 *    then moves to another partition, chosen at random among the others (KIP-480's sticky
 *    partitioner). Filling one batch at a time instead of spraying records round-robin gives
 *    fewer, fuller batches, hence less per-batch overhead and lower latency at the same linger.
 *
 * KIP-794 refines step 3 by switching after `batch.size` bytes and by weighting partitions by
 * broker queue depth; an embedded log has no slow brokers to avoid, so switching on seal keeps the
 * uniform spread without the bookkeeping.
 *
 * Concurrency: every method is synchronous and never awaits, so one instance can serve all of a
 * producer's topics without locking.
 */
export class DefaultPartitioner implements Partitioner {
  readonly #random: () => number;
  readonly #sticky = new Map<string, StickyState>();

  constructor(options: DefaultPartitionerOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  /**
   * @throws UnknownPartitionError when `explicit` is not a partition of the topic.
   * @throws InvalidPartitionsError when `partitionCount` is not a positive integer.
   */
  partition(topic: string, key: Uint8Array | null, partitionCount: number, explicit?: number): number {
    if (!Number.isInteger(partitionCount) || partitionCount < 1) {
      throw new InvalidPartitionsError(
        `cannot partition a record for topic "${topic}": partition count is ${partitionCount}, not a positive integer`,
      );
    }
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 0 || explicit >= partitionCount) {
        throw new UnknownPartitionError(topic, explicit, partitionCount);
      }
      return explicit;
    }
    if (key !== null) return partitionForKey(key, partitionCount);
    return this.#stickyPartition(topic, partitionCount);
  }

  /** Moves keyless records of `topic` elsewhere if `partition` is where they were sticking. */
  onBatchSealed(topic: string, partition: number): void {
    const state = this.#sticky.get(topic);
    // Batches of keyed records are sealed too; they say nothing about the sticky partition.
    if (state !== undefined && state.partition === partition) state.sealed = true;
  }

  #stickyPartition(topic: string, partitionCount: number): number {
    const state = this.#sticky.get(topic);
    if (state === undefined) {
      const partition = this.#pick(partitionCount, -1);
      this.#sticky.set(topic, { partition, sealed: false });
      return partition;
    }
    // A partition past the count means the topic was recreated smaller: choose afresh.
    if (state.sealed || state.partition >= partitionCount) {
      state.partition = this.#pick(partitionCount, state.partition);
      state.sealed = false;
    }
    return state.partition;
  }

  /** A uniformly random partition, other than `previous` whenever there is another to take. */
  #pick(partitionCount: number, previous: number): number {
    const avoid = previous >= 0 && previous < partitionCount && partitionCount > 1;
    const choices = avoid ? partitionCount - 1 : partitionCount;
    // Clamped so an injected source that returns 1 (or drifts below 0) still yields a partition.
    const r = Math.max(0, Math.min(Math.floor(this.#random() * choices), choices - 1));
    return avoid && r >= previous ? r + 1 : r;
  }
}
