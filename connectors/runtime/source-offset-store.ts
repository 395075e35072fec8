/**
 * Source positions in the compacted internal topic `__connect_offsets` (one partition,
 * `cleanup.policy=compact`), as Kafka Connect stores them:
 *
 *   key   = JSON ["<connector name>", "<source partition>"]
 *   value = JSON of the position (the record's `sourceOffset`), or null (a tombstone: forgotten)
 *
 * The whole topic is read once when the store opens, read_committed (the latest record per key
 * wins). A source runner writes its positions in the same transaction as the records they cover
 * (KIP-618, see `source-runner.ts`): it sends `records(…)` through its transactional producer and
 * calls `applied(…)` once the transaction committed.
 */
import type { Cluster } from '../../core/index.js';
import { createConsumer, createProducer, TopicExistsError, UnknownTopicError } from '../../core/index.js';
import type { JsonValue } from '../connector.js';

export const CONNECT_OFFSETS_TOPIC = '__connect_offsets';

export class SourceOffsetStore {
  readonly #cluster: Cluster;
  readonly #positions = new Map<string, Map<string, JsonValue>>();
  #opened: Promise<void> | null = null;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** Creates the topic if needed and reads it (once; later calls wait for the first). */
  open(): Promise<void> {
    return (this.#opened ??= this.#load());
  }

  async #load(): Promise<void> {
    try {
      await this.#cluster.partitionCount(CONNECT_OFFSETS_TOPIC);
    } catch (error) {
      if (!(error instanceof UnknownTopicError)) throw error;
      try {
        await this.#cluster.createTopic(CONNECT_OFFSETS_TOPIC, { partitions: 1, config: { 'cleanup.policy': 'compact' } });
      } catch (e) {
        if (!(e instanceof TopicExistsError)) throw e;
      }
    }
    // Positions written in a source's transaction count only once it committed.
    const end = await this.#cluster.listOffset(CONNECT_OFFSETS_TOPIC, 0, 'latest', { isolationLevel: 'read_committed' });
    const consumer = createConsumer(this.#cluster, { autoOffsetReset: 'earliest', maxPollRecords: 10_000, isolationLevel: 'read_committed' });
    try {
      consumer.assign([{ topic: CONNECT_OFFSETS_TOPIC, partition: 0 }]);
      await consumer.seekToBeginning();
      while ((await consumer.position({ topic: CONNECT_OFFSETS_TOPIC, partition: 0 })) < end) {
        const records = await consumer.poll({ timeoutMs: 100 });
        for (const r of records) this.#apply(r.key, r.value);
        if (records.length === 0 && (await consumer.position({ topic: CONNECT_OFFSETS_TOPIC, partition: 0 })) < end) {
          // Compaction may leave gaps at the end: stop once a fetch at the position returns nothing.
          const again = await consumer.poll({ timeoutMs: 0 });
          for (const r of again) this.#apply(r.key, r.value);
          if (again.length === 0) break;
        }
      }
    } finally {
      await consumer.close();
    }
  }

  #apply(keyBytes: Buffer | null, valueBytes: Buffer | null): void {
    if (keyBytes === null) return;
    let key: unknown;
    try {
      key = JSON.parse(keyBytes.toString('utf8'));
    } catch {
      return; // not ours
    }
    if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string') return;
    const [name, partition] = key as [string, string];
    let map = this.#positions.get(name);
    if (valueBytes === null) {
      map?.delete(partition);
      return;
    }
    try {
      const value = JSON.parse(valueBytes.toString('utf8')) as JsonValue;
      if (!map) this.#positions.set(name, (map = new Map()));
      map.set(partition, value);
    } catch {
      // an unreadable position is no position
    }
  }

  /** The stored positions of connector `name` (a live view; do not modify). */
  positionsOf(name: string): ReadonlyMap<string, JsonValue> {
    let map = this.#positions.get(name);
    if (!map) this.#positions.set(name, (map = new Map()));
    return map;
  }

  /** The `__connect_offsets` records storing `positions` of connector `name` (null forgets one). */
  records(name: string, positions: ReadonlyMap<string, JsonValue | null>): { topic: string; partition: number; key: string; value: string | null }[] {
    return [...positions].map(([partition, value]) => ({
      topic: CONNECT_OFFSETS_TOPIC,
      partition: 0,
      key: JSON.stringify([name, partition]),
      value: value === null ? null : JSON.stringify(value),
    }));
  }

  /** Takes `positions` into the in-memory view (after the transaction holding their records committed). */
  applied(name: string, positions: ReadonlyMap<string, JsonValue | null>): void {
    const map = this.positionsOf(name) as Map<string, JsonValue>;
    for (const [partition, value] of positions) {
      if (value === null) map.delete(partition);
      else map.set(partition, value);
    }
  }

  /**
   * Stores `positions` of a stopped connector (the REST API's PATCH/DELETE …/offsets), outside any
   * transaction: nothing else writes this connector's positions meanwhile.
   */
  async write(name: string, positions: ReadonlyMap<string, JsonValue | null>): Promise<void> {
    if (positions.size === 0) return;
    const producer = createProducer<string, string | null>(this.#cluster, { acks: 'all', lingerMs: 0, autoCreateTopics: false });
    try {
      await producer.send(this.records(name, positions));
    } finally {
      await producer.close();
    }
    this.applied(name, positions);
  }

  /** Nothing to release (the runners own their producers); kept for the runtime's shutdown order. */
  async close(): Promise<void> {}
}
