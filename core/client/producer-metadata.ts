/**
 * The producer's topic metadata: partition counts and limits per topic, loaded on first use and
 * refreshed in the background once older than `maxAgeMs`. Sends that need a topic not loaded yet
 * wait for it — and so does every send after them, so that records keep the order of `send` calls.
 */
import type { Cluster } from '../cluster.js';

export interface TopicMetadata {
  partitions: number;
  maxBatchBytes: number;
  /** The topic's `max.message.bytes`: a batch above it is refused here, before it uses a sequence number. */
  maxMessageBytes: number;
  /** Compacted topics refuse keyless records. */
  compacted: boolean;
  fetchedMs: number;
}

export interface ProducerMetadataOptions {
  /** The producer's batch size limit (a topic's `max.message.bytes` may lower it). */
  batchBytes: number;
  autoCreateTopics: boolean;
  maxAgeMs: number;
}

export class ProducerMetadata {
  readonly #cluster: Cluster;
  readonly #options: ProducerMetadataOptions;
  readonly #topics = new Map<string, TopicMetadata>();
  readonly #loads = new Map<string, Promise<void>>();
  #wait: Promise<void> | null = null;

  constructor(cluster: Cluster, options: ProducerMetadataOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  /** A loaded topic's metadata. */
  get(topic: string): TopicMetadata | undefined {
    return this.#topics.get(topic);
  }

  /** The loads sends are queued behind, if any. */
  get waiting(): Promise<void> | null {
    return this.#wait;
  }

  /** The topics of `records` not loaded yet; starts a background refresh of stale ones. */
  missing(records: readonly { topic: string }[]): string[] {
    let missing: string[] | null = null;
    let lastTopic = '';
    for (const r of records) {
      if (r.topic === lastTopic) continue;
      lastTopic = r.topic;
      if (this.current(r.topic) === undefined) (missing ??= []).includes(r.topic) || missing.push(r.topic);
    }
    return missing ?? [];
  }

  /** The metadata of `topic` if loaded (a stale one is refreshed in the background meanwhile); `now`: the time. */
  current(topic: string, now = Date.now()): TopicMetadata | undefined {
    const meta = this.#topics.get(topic);
    if (meta !== undefined) {
      if (now - meta.fetchedMs > this.#options.maxAgeMs) {
        // Stale: refresh in the background (partitions may have been added), keep sending meanwhile.
        meta.fetchedMs = now;
        void this.#load(topic).catch(() => {});
      }
    }
    return meta;
  }

  /** Resolves when `missing` topics' metadata and any earlier load are in, so sends keep their order. */
  afterLoad(missing: readonly string[]): Promise<unknown> {
    // Nothing new to load: wait behind the loads under way (callers of one promise run in order),
    // rather than adding a link per send to a chain every later send would wait on.
    if (missing.length === 0 && this.#wait !== null) return this.#wait;
    const ready = Promise.all([this.#wait, ...missing.map((t) => this.#load(t))]);
    const wait: Promise<void> = ready.then(
      () => this.#loaded(wait),
      () => this.#loaded(wait),
    );
    this.#wait = wait;
    return ready;
  }

  #loaded(wait: Promise<void>): void {
    if (this.#wait === wait) this.#wait = null;
  }

  #load(topic: string): Promise<void> {
    let load = this.#loads.get(topic);
    if (!load) {
      load = this.#fetch(topic).finally(() => this.#loads.delete(topic));
      this.#loads.set(topic, load);
    }
    return load;
  }

  async #fetch(topic: string): Promise<void> {
    const partitions = await this.#cluster.partitionCount(topic, { autoCreate: this.#options.autoCreateTopics });
    // Only the config: on JetStream a description reads every partition's stream and end batches.
    const config = this.#cluster.topicConfig ? await this.#cluster.topicConfig(topic) : (await this.#cluster.describeTopic(topic)).config;
    const maxMessageBytes = config['max.message.bytes'];
    this.#topics.set(topic, {
      partitions,
      maxBatchBytes: Math.min(this.#options.batchBytes, maxMessageBytes),
      maxMessageBytes,
      compacted: config['cleanup.policy'] !== 'delete',
      fetchedMs: Date.now(),
    });
  }
}
