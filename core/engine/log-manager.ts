/**
 * The topics of one broker and their partition logs — Kafka's `LogManager` for creating and
 * finding logs (its background upkeep is `LogMaintenance`): the records in `topics.json` and `topics.log` (see
 * `TopicRegistry`) and, per topic, one `Log` per partition in `<dataDir>/<topic>-<partition>/`, or
 * in memory when there is no data directory.
 *
 * Invariants: every topic in the table has its record in the registry and exactly
 * `record.partitions` open logs, `logs[p].partition === p`; a read-only view follows the owning
 * process's registry when asked (`follow`, `find`), opening what it created and closing what it
 * deleted.
 *
 * Concurrency: synchronous; the `Broker` checks open/writable state before each call.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UnknownPartitionError, UnknownTopicError } from '../errors.js';
import { FileLogStorage } from '../log/file-log-storage.js';
import { parseLogConfig, type LogConfig } from '../log/log-config.js';
import type { LogStorage } from '../log/log-storage.js';
import { Log } from '../log/log.js';
import { MemoryLogStorage } from '../log/memory-log-storage.js';
import { RecoveryPointCheckpoint } from '../log/recovery-point-checkpoint.js';
import { TopicRegistry, type TopicRecord } from './topic-registry.js';

export interface TopicState {
  record: TopicRecord;
  config: LogConfig;
  logs: Log[];
}

export interface LogManagerOptions {
  /** Null for an in-memory broker. */
  dataDir: string | null;
  readOnly: boolean;
  /** Config every topic starts from; a topic's overrides apply on top. */
  defaults: LogConfig;
  now: () => number;
}

export class LogManager {
  readonly #registry: TopicRegistry;
  readonly #topics = new Map<string, TopicState>();
  /** Topic names by their metric name ("." as "_"), for Kafka's collision check without a scan of every topic. */
  readonly #byMetricName = new Map<string, Set<string>>();
  readonly #dataDir: string | null;
  readonly #readOnly: boolean;
  readonly #defaults: LogConfig;
  readonly #now: () => number;
  /** Every partition's recovery point, in one file of the data directory (none in memory). */
  readonly #checkpoint: RecoveryPointCheckpoint | null;

  /** Loads the registry; `openAll` then opens the logs. */
  constructor(options: LogManagerOptions) {
    this.#dataDir = options.dataDir;
    this.#readOnly = options.readOnly;
    this.#defaults = options.defaults;
    this.#now = options.now;
    this.#registry = TopicRegistry.load(this.#dataDir, { readOnly: this.#readOnly });
    this.#checkpoint = this.#dataDir === null ? null : RecoveryPointCheckpoint.load(this.#dataDir, { readOnly: this.#readOnly });
  }

  /**
   * Opens every registered topic's logs, recovering each (see `Log.open`), and yields to the event
   * loop after each log: recovery after a crash may take a while, and the process's timers and I/O
   * (heartbeats, a status server) keep running meanwhile.
   */
  async openAll(): Promise<void> {
    for (const name of this.#registry.names()) {
      const record = this.#registry.get(name)!;
      const config = parseLogConfig(record.config, this.#defaults);
      const logs: Log[] = [];
      this.#set({ record, config, logs }); // so a failure closes what was opened
      for (let p = 0; p < record.partitions; p++) {
        logs.push(this.#openLog(record.name, p, config));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // Entries of topics deleted while the file could not be written leave with its next write.
    this.#checkpoint?.retain((topic, partition) => (this.#topics.get(topic)?.logs.length ?? 0) > partition);
  }

  has(name: string): boolean {
    return this.#topics.has(name);
  }

  get(name: string): TopicState | undefined {
    return this.#topics.get(name);
  }

  /** Like `get`, but a read-only view first looks for a topic the owner created since. */
  find(name: string): TopicState | undefined {
    let state = this.#topics.get(name);
    if (!state && this.#readOnly) {
      this.follow();
      state = this.#topics.get(name);
    }
    return state;
  }

  /** @throws UnknownTopicError */
  topic(name: string): TopicState {
    const state = this.#topics.get(name);
    if (!state) throw new UnknownTopicError(name);
    return state;
  }

  /** @throws UnknownTopicError, UnknownPartitionError */
  log(topic: string, partition: number): Log {
    const state = this.find(topic);
    if (!state) throw new UnknownTopicError(topic);
    const log = state.logs[partition];
    if (!log) throw new UnknownPartitionError(topic, partition, state.logs.length);
    return log;
  }

  /** Existing topics whose names differ from `name` only in "." versus "_" (Kafka refuses such a pair: metric names would clash). */
  colliding(name: string): string[] {
    return [...(this.#byMetricName.get(metricName(name)) ?? [])].filter((t) => t !== name);
  }

  names(): string[] {
    return [...this.#topics.keys()];
  }

  *allLogs(): Iterable<Log> {
    for (const state of this.#topics.values()) yield* state.logs;
  }

  /**
   * Opens the logs of a new topic (already validated), then registers it — all or nothing: when a
   * partition fails to open (EMFILE, a full disk) or the registry cannot be written, the logs and
   * directories made so far are removed and the error is rethrown.
   */
  async create(record: TopicRecord): Promise<TopicState> {
    await this.#checkpoint?.settled(); // a deleted topic of the same name is out of the checkpoint file
    const config = parseLogConfig(record.config, this.#defaults);
    const logs = await this.#openNew(record.name, 0, record.partitions, config);
    this.#set({ record, config, logs });
    try {
      this.#registry.put(record, { sync: isSynced(config) });
    } catch (err) {
      this.#delete(record.name);
      await Promise.all(logs.map((log) => log.delete()));
      throw err;
    }
    return this.topic(record.name);
  }

  /** `create` for the broker's own topics (few partitions), synchronously. */
  createInternal(record: TopicRecord): TopicState {
    const state = this.#openTopic(record);
    this.#registry.put(record, { sync: isSynced(state.config) });
    return this.topic(record.name);
  }

  /**
   * Unregisters the topic and drops it from the table; the caller deletes its logs and waits for
   * `forgotten` — the topic's recovery points gone from the checkpoint file — before the delete is done.
   */
  remove(name: string): { state: TopicState; forgotten: Promise<void> } {
    const state = this.topic(name);
    this.#delete(name);
    const forgotten = this.#checkpoint?.removeTopic(name) ?? Promise.resolve();
    this.#registry.remove(name);
    return { state, forgotten };
  }

  /** Opens logs for partitions `state.logs.length` to `count - 1` and registers the new count; all or nothing, as `create`. */
  async addPartitions(state: TopicState, count: number): Promise<void> {
    const added = await this.#openNew(state.record.name, state.logs.length, count, state.config);
    const record = { ...state.record, partitions: count };
    try {
      this.#registry.put(record, { sync: isSynced(state.config) });
    } catch (err) {
      await Promise.all(added.map((log) => log.delete()));
      throw err;
    }
    state.logs.push(...added);
    state.record = record;
  }

  /** The total partition count of every topic. */
  partitionCount(): number {
    let n = 0;
    for (const state of this.#topics.values()) n += state.logs.length;
    return n;
  }

  /** Opens partitions `from` to `to - 1` of a topic being created or grown; on failure removes what it made. */
  async #openNew(topic: string, from: number, to: number, config: LogConfig): Promise<Log[]> {
    const logs: Log[] = [];
    let failedDir: string | null = null;
    try {
      for (let p = from; p < to; p++) {
        const dir = this.#dataDir === null ? null : path.join(this.#dataDir, `${topic}-${p}`);
        failedDir = dir !== null && !fs.existsSync(dir) ? dir : null; // never remove what was there before
        logs.push(this.#openLog(topic, p, config));
      }
    } catch (err) {
      await Promise.all(logs.map((log) => log.delete().catch(() => {})));
      if (failedDir !== null) fs.rmSync(failedDir, { recursive: true, force: true });
      throw err;
    }
    return logs;
  }

  /** Replaces a topic's config overrides (already validated) and applies them to its open logs. */
  updateConfig(state: TopicState, overrides: TopicRecord['config']): void {
    const config = parseLogConfig(overrides, this.#defaults);
    state.record = { ...state.record, config: overrides };
    this.#registry.put(state.record, { sync: isSynced(config) || isSynced(state.config) });
    state.config = config;
    for (const log of state.logs) log.config = config;
  }

  /** Closes every log, then the registry (folding its change log into `topics.json`). */
  async close(): Promise<void> {
    try {
      await Promise.all([...this.allLogs()].map((log) => log.close()));
      await this.#checkpoint?.close();
    } finally {
      if (!this.#readOnly) this.#registry.close();
    }
  }

  /** Read-only views pick up topics, partitions and config changes the owning process made since. */
  follow(): void {
    if (!this.#readOnly) return;
    this.#registry.reload();
    for (const name of this.#registry.names()) {
      const record = this.#registry.get(name)!;
      const state = this.#topics.get(name);
      if (!state) {
        this.#openTopic(record);
        continue;
      }
      if (JSON.stringify(record.config) !== JSON.stringify(state.record.config)) {
        state.record = record;
        state.config = parseLogConfig(record.config, this.#defaults);
        for (const log of state.logs) log.config = state.config;
      }
      if (state.logs.length < record.partitions) {
        for (let p = state.logs.length; p < record.partitions; p++) state.logs.push(this.#openLog(name, p, state.config));
      }
    }
    for (const name of [...this.#topics.keys()]) {
      if (!this.#registry.get(name)) {
        for (const log of this.#topics.get(name)!.logs) void log.close();
        this.#delete(name);
      }
    }
  }

  #set(state: TopicState): void {
    this.#topics.set(state.record.name, state);
    const key = metricName(state.record.name);
    const names = this.#byMetricName.get(key);
    if (names) names.add(state.record.name);
    else this.#byMetricName.set(key, new Set([state.record.name]));
  }

  #delete(name: string): void {
    this.#topics.delete(name);
    const key = metricName(name);
    const names = this.#byMetricName.get(key);
    names?.delete(name);
    if (names?.size === 0) this.#byMetricName.delete(key);
  }

  #openTopic(record: TopicRecord): TopicState {
    const config = parseLogConfig(record.config, this.#defaults);
    const logs: Log[] = [];
    try {
      for (let p = 0; p < record.partitions; p++) logs.push(this.#openLog(record.name, p, config));
    } catch (err) {
      for (const log of logs) void log.close();
      throw err;
    }
    const state = { record, config, logs };
    this.#set(state);
    return state;
  }

  #openLog(topic: string, partition: number, config: LogConfig): Log {
    const dirName = `${topic}-${partition}`;
    const storage: LogStorage =
      this.#dataDir === null ? new MemoryLogStorage(dirName) : new FileLogStorage(path.join(this.#dataDir, dirName), { readOnly: this.#readOnly });
    return Log.open({ storage, topic, partition, config, readOnly: this.#readOnly, recoveryPoints: this.#checkpoint ?? undefined, now: this.#now });
  }
}

/** A topic in the synced mode (its acks wait for fdatasync) has its metadata synced before its create returns too. */
function isSynced(config: LogConfig): boolean {
  return config['flush.messages'] === 1;
}

function metricName(topic: string): string {
  return topic.replaceAll('.', '_');
}
