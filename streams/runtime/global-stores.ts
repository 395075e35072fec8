/**
 * The global tables of one application instance (Kafka's global state): for each, a key-value
 * store holding every partition of its topic. `start` reads each topic, read_committed, up to the
 * end it had when starting (so tasks begin with the whole table, as Kafka's global thread
 * bootstraps before the stream threads run); then a background loop keeps applying new records
 * until `close`. The topic is the table's changelog: nothing else is written.
 *
 * Concurrency: the loop applies records between task batches (one event loop); tasks only read.
 */
import { createConsumer, InvalidConfigError, UnknownTopicError, type Cluster, type Consumer, type TopicPartition } from '../../core/index.js';
import { KeyValueStore } from '../state/key-value-store.js';
import { resolveSerde } from '../processor/resolve-serde.js';
import type { AnySerde, GlobalStoreSpec } from '../topology/nodes.js';

export class GlobalStores {
  readonly #stores = new Map<string, KeyValueStore<unknown, unknown>>();
  readonly #byTopic = new Map<string, KeyValueStore<unknown, unknown>>();
  #consumer: Consumer | null = null;
  #loop: Promise<void> | null = null;
  #closed = false;

  constructor(specs: Iterable<GlobalStoreSpec>, defaultKeySerde: AnySerde, defaultValueSerde: AnySerde) {
    for (const spec of specs) {
      const store = new KeyValueStore<unknown, unknown>(spec.name, resolveSerde(spec.keySerde, defaultKeySerde, defaultKeySerde), resolveSerde(spec.valueSerde, defaultValueSerde, defaultKeySerde));
      this.#stores.set(spec.name, store);
      this.#byTopic.set(spec.topic, store);
    }
  }

  get size(): number {
    return this.#stores.size;
  }

  store(name: string): KeyValueStore<unknown, unknown> | undefined {
    return this.#stores.get(name);
  }

  /**
   * Reads every global topic to its end, then keeps following them in the background.
   * @throws InvalidConfigError when a global table's topic does not exist.
   */
  async start(cluster: Cluster, onError: (err: Error) => void): Promise<void> {
    if (this.#stores.size === 0) return;
    const tps: TopicPartition[] = [];
    const ends = new Map<string, number>();
    for (const topic of this.#byTopic.keys()) {
      let partitions: number;
      try {
        partitions = (await cluster.describeTopic(topic)).partitions.length;
      } catch (err) {
        if (err instanceof UnknownTopicError) throw new InvalidConfigError(`the topic "${topic}" of a global table does not exist; create it before starting the application`, 'topic', { cause: err });
        throw err;
      }
      for (let partition = 0; partition < partitions; partition++) {
        tps.push({ topic, partition });
        ends.set(`${topic}\u0000${partition}`, await cluster.listOffset(topic, partition, 'latest', { isolationLevel: 'read_committed' }));
      }
    }
    const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 10_000, isolationLevel: 'read_committed' });
    this.#consumer = consumer;
    consumer.assign(tps);
    for (const tp of tps) consumer.seek(tp, await cluster.listOffset(tp.topic, tp.partition, 'earliest'));
    // Bootstrap: every partition up to its end at start.
    const behind = async (): Promise<boolean> => {
      for (const tp of tps) if ((await consumer.position(tp)) < ends.get(`${tp.topic}\u0000${tp.partition}`)!) return true;
      return false;
    };
    while (await behind()) this.#apply(await consumer.poll({ timeoutMs: 100 }));
    this.#loop = (async () => {
      while (!this.#closed) this.#apply(await consumer.poll({ timeoutMs: 100 }));
    })().catch((err: unknown) => {
      if (!this.#closed) onError(err instanceof Error ? err : new Error(String(err)));
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#loop;
    await this.#consumer?.close().catch(() => {});
  }

  /** True when `topic` is the topic of a global table. */
  reads(topic: string): boolean {
    return this.#byTopic.has(topic);
  }

  /** Applies one record of a global table's topic (a null value deletes the key). */
  apply(topic: string, key: Buffer | null, value: Buffer | null): void {
    this.#byTopic.get(topic)!.restore(key, value);
  }

  #apply(records: readonly { topic: string; key: Buffer | null; value: Buffer | null }[]): void {
    for (const r of records) this.apply(r.topic, r.key, r.value);
  }
}
