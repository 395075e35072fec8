/**
 * The JetStream engine's topic table: one KV entry per topic (`topics.<base64url(name)>`, JSON
 * `JetStreamTopicRecord`) in the engine's replicated KV bucket, and the partition streams it
 * implies. Every Sluice process over the same cluster sees one table: a KV watch keeps this
 * process's copy current, and a miss reads the bucket before answering "unknown topic".
 *
 * Creation claims the name first (`kv.create`, which fails when the key exists: two processes
 * creating one topic get one winner), then adds the streams; a stream found missing later (a crash
 * between the two) is added again from the record. Deletion removes the entry, then the streams.
 */
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { KvWatchInclude, type KV } from '@nats-io/kv';
import { InvalidConfigError, TopicExistsError, UnknownTopicError } from '../errors.js';
import { parseLogConfig, type LogConfig } from '../log/log-config.js';
import type { TopicRecord } from '../engine/topic-registry.js';
import { retryTransient } from './nats-retry.js';
import { fromKeyToken, streamName, streamSubject, topicKey } from './stream-names.js';

export interface JetStreamTopicRecord extends TopicRecord {
  /** JetStream replicas of each partition's stream (Kafka's replication factor). */
  replicas: number;
}

/** Room for the headers every batch is published with (`Nats-Msg-Id`, `Nats-Expected-Last-Sequence`, `Nats-Expected-Last-Msg-Id`). */
export const PUBLISH_HEADER_BYTES = 1024;

export interface TopicTableOptions {
  kv: KV;
  jsm: JetStreamManager;
  /** Stream and subject prefix. */
  prefix: string;
  defaults: LogConfig;
  /** JetStream's duplicate window for the streams (idempotent retries within it are dropped). */
  duplicateWindowMs: number;
}

export interface TopicState {
  record: JetStreamTopicRecord;
  config: LogConfig;
}

export class TopicTable {
  readonly #options: TopicTableOptions;
  readonly #topics = new Map<string, TopicState>();
  #stopWatch: (() => void) | null = null;

  constructor(options: TopicTableOptions) {
    this.#options = options;
  }

  /** Follows the bucket's changes (a topic is read on first use; see `find`). */
  async start(): Promise<void> {
    const watch = await this.#options.kv.watch({ key: 'topics.>', include: KvWatchInclude.UpdatesOnly });
    this.#stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        const name = fromKeyToken(entry.key.slice('topics.'.length));
        if (entry.operation === 'PUT') this.#set(entry.json<JetStreamTopicRecord>());
        else this.#topics.delete(name);
      }
    })().catch(() => {});
  }

  stop(): void {
    this.#stopWatch?.();
  }

  #set(record: JetStreamTopicRecord): TopicState {
    const state = { record, config: parseLogConfig(record.config, this.#options.defaults) };
    this.#topics.set(record.name, state);
    return state;
  }

  /** Every topic's name, read from the bucket. */
  async names(): Promise<string[]> {
    const keys = await retryTransient('list topics', () => this.#options.kv.keys('topics.>'));
    const names: string[] = [];
    for await (const key of keys) names.push(fromKeyToken(key.slice('topics.'.length)));
    return names;
  }

  /** The topic, reading the bucket on a miss (another process may have just created it). */
  async find(name: string): Promise<TopicState | undefined> {
    const known = this.#topics.get(name);
    if (known) return known;
    const entry = await retryTransient(`read topic "${name}"`, () => this.#options.kv.get(topicKey(name)));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return this.#set(entry.json<JetStreamTopicRecord>());
  }

  /** Cached only (for synchronous callers); `undefined` when this process has not seen the topic. */
  cached(name: string): TopicState | undefined {
    return this.#topics.get(name);
  }

  async get(name: string): Promise<TopicState> {
    const state = await this.find(name);
    if (!state) throw new UnknownTopicError(name);
    return state;
  }

  /** Claims the name and adds the partition streams. @throws TopicExistsError */
  async create(record: JetStreamTopicRecord): Promise<TopicState> {
    parseLogConfig(record.config, this.#options.defaults); // validate before anything is created
    try {
      await retryTransient(`create topic "${record.name}"`, () => this.#options.kv.create(topicKey(record.name), JSON.stringify(record)));
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) throw new TopicExistsError(record.name);
      throw error;
    }
    const state = this.#set(record);
    try {
      await this.ensureStreams(state, 0);
    } catch (error) {
      // Not placeable (e.g. more replicas than nodes): take the name back rather than leave a topic without streams.
      await this.remove(record.name).catch(() => {});
      throw error;
    }
    return state;
  }

  /** Grows the topic to `count` partitions (CAS on the entry's revision). */
  async addPartitions(name: string, count: number): Promise<void> {
    const entry = await this.#options.kv.get(topicKey(name));
    if (!entry || entry.operation !== 'PUT') throw new UnknownTopicError(name);
    const record = { ...entry.json<JetStreamTopicRecord>(), partitions: count };
    await this.#options.kv.update(topicKey(name), JSON.stringify(record), entry.revision);
    await this.ensureStreams(this.#set(record), entry.json<JetStreamTopicRecord>().partitions);
  }

  /** Removes the entry, then the streams. */
  async remove(name: string): Promise<void> {
    const state = await this.get(name);
    await retryTransient(`delete topic "${name}"`, () => this.#options.kv.delete(topicKey(name)));
    this.#topics.delete(name);
    for (let p = 0; p < state.record.partitions; p++) {
      await retryTransient(`delete stream of ${name}-${p}`, () => this.#options.jsm.streams.delete(streamName(this.#options.prefix, name, p))).catch((error: unknown) => {
        if (!/not found/i.test((error as Error).message)) throw error;
      });
    }
  }

  /** Adds the streams of partitions `from`.. (idempotent: an existing stream of this topic is kept). */
  async ensureStreams(state: TopicState, from: number): Promise<void> {
    const { record, config } = state;
    for (let p = from; p < record.partitions; p++) {
      const stream = this.streamConfig(record, config, p);
      await retryTransient(`create stream ${stream.name}`, async () => {
        try {
          await this.#options.jsm.streams.add(stream);
        } catch (error) {
          if (!/already in use|already exists/i.test((error as Error).message)) throw error;
          const info = await this.#options.jsm.streams.info(stream.name);
          if (info.config.description !== stream.description) {
            throw new InvalidConfigError(`topic "${record.name}": stream ${stream.name} already exists and belongs to ${info.config.description ?? 'something else'}`, 'topic');
          }
        }
      });
    }
  }

  /** The stream of one partition: file storage, limits retention (bytes), one subject. */
  streamConfig(record: JetStreamTopicRecord, config: LogConfig, partition: number): Partial<StreamConfig> & { name: string } {
    const retentionBytes = config['retention.bytes'];
    return {
      name: streamName(this.#options.prefix, record.name, partition),
      description: `sluice topic ${record.name} partition ${partition}`,
      subjects: [streamSubject(this.#options.prefix, record.name, partition)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      num_replicas: record.replicas,
      // As in Kafka, retention.bytes applies only to a delete policy: a compact-only topic keeps each key's latest record whatever the size.
      max_bytes: retentionBytes < 0 || config['cleanup.policy'] === 'compact' ? -1 : retentionBytes,
      // JetStream counts the headers (message id, expected sequence) in a message's size; the batch limit is on the payload.
      max_msg_size: config['max.message.bytes'] + PUBLISH_HEADER_BYTES,
      duplicate_window: this.#options.duplicateWindowMs * 1_000_000,
    };
  }
}
