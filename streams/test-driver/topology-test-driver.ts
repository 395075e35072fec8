/**
 * Runs a topology in memory, without a cluster, for unit tests of a streams application (in the
 * spirit of Kafka Streams' `TopologyTestDriver`). Records piped into an input topic go through
 * the same processors a running application uses — serdes, RxJS operators, stores, windows,
 * repartitioning — and outputs can be read back from output topics.
 *
 * Differences from a running application: one task per sub-topology (everything is partition 0);
 * each `pipeInput` is one batch, processed to completion before it resolves, together with
 * everything it caused downstream (repartition topics, topics read back by the topology); state
 * changes are written to in-memory changelog topics (`<appId>-<store>-changelog`) after each batch.
 *
 * As in Kafka's driver: piping into a topic no source reads throws (a misspelt topic must not
 * make a test pass with nothing running); a pattern source reads every topic matching it, also
 * those first piped after the driver started; output readers of one topic share one queue.
 *
 * Time: a record's event time is the timestamp given to `pipeInput`, else the input topic's own
 * clock (`startTimestamp`, `autoAdvanceMs`, `advanceTime`), else the driver's wall-clock time
 * (`advanceWallClockTime`). Stream time — what closes windows — is the largest event time a task
 * has seen (`streamTime()`); `closeWindows()` ends the input as a drained batch run does, closing
 * every window of the `onWindowClose` aggregations.
 *
 * @example
 *   const driver = new TopologyTestDriver(topology);
 *   const lines = driver.createInputTopic('lines', { valueSerde: stringSerde });
 *   const counts = driver.createOutputTopic('word-counts', { valueSerde: jsonSerde<number>() });
 *   await lines.pipeInput(null, 'a b a');
 *   expect(counts.readKeyValuesToMap()).toEqual(new Map([['a', 2], ['b', 1]]));
 */
import { InvalidConfigError, jsonSerde, stringSerde, type RecordHeader, type Serde } from '../../core/index.js';
import type { HeadersInput } from '../../core/index.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import { KeyValueStore } from '../state/key-value-store.js';
import type { ReadOnlySessionStore } from '../state/session-store.js';
import { SessionStore } from '../state/session-store.js';
import type { ReadOnlyWindowStore } from '../state/window-store.js';
import { WindowStore } from '../state/window-store.js';
import { ProcessorWindowStore } from '../state/processor-window-store.js';
import type { InputRecord } from '../processor/source-reader.js';
import type { LateRecordInfo, OutputRecord, ProcessorObserver, RecordCollector, TaskEnvironment } from '../processor/task-environment.js';
import { TaskProcessor } from '../processor/task-processor.js';
import { toBuffer } from '../to-buffer.js';
import { GlobalStores } from '../runtime/global-stores.js';
import type { AnySerde } from '../topology/nodes.js';
import type { Topology } from '../topology/topology.js';
import { TestInputTopic, type TestInputTopicOptions } from './test-input-topic.js';
import { TestOutputTopic, type TestOutputTopicOptions } from './test-output-topic.js';

export interface TopologyTestDriverOptions {
  /** Prefix of internal topics (default `test-app`). */
  applicationId?: string;
  defaultKeySerde?: Serde<any>;
  defaultValueSerde?: Serde<any>;
  /** The driver's wall-clock time at start (default 0). */
  initialWallClockMs?: number;
}

/** A record as stored in a test topic. */
export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
}

export class TopologyTestDriver {
  readonly applicationId: string;
  readonly defaultKeySerde: AnySerde;
  readonly defaultValueSerde: AnySerde;
  /** Late records reported by windowed aggregations, in order. */
  readonly lateRecords: LateRecordInfo[] = [];
  readonly #topology: Topology;
  readonly #topics = new Map<string, TestRecord[]>();
  /** Topic → how many of its records the output readers consumed (one queue per topic, as in Kafka). */
  readonly #readPositions = new Map<string, number>();
  #processors: TaskProcessor[] | null = null;
  /** Topic → the processor that reads it. */
  readonly #readers = new Map<string, TaskProcessor>();
  /** Processor → the input record it processed last, or its first input (offset -1) before any. */
  readonly #lastInput = new Map<TaskProcessor, { topic: string; offset: number }>();
  #wallClockMs: number;
  readonly #globals: GlobalStores;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(topology: Topology, options: TopologyTestDriverOptions = {}) {
    this.#topology = topology;
    this.applicationId = options.applicationId ?? 'test-app';
    this.defaultKeySerde = options.defaultKeySerde ?? stringSerde;
    this.defaultValueSerde = options.defaultValueSerde ?? jsonSerde();
    this.#globals = new GlobalStores(topology.globalStores.values(), this.defaultKeySerde, this.defaultValueSerde);
    this.#wallClockMs = options.initialWallClockMs ?? 0;
  }

  get wallClockTime(): number {
    return this.#wallClockMs;
  }

  /**
   * Moves the wall clock (the default timestamp of piped records) forward, and fires the
   * wall-clock punctuations of `process()` nodes it made due; resolves once what they forwarded
   * was processed downstream.
   */
  advanceWallClockTime(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new InvalidConfigError(`advanceWallClockTime needs a non-negative duration, got ${ms}`);
    this.#wallClockMs += ms;
    if (this.#closed || this.#processors === null) return Promise.resolve();
    const run = this.#queue.then(() => this.#punctuate());
    this.#queue = run.catch(() => {});
    return run;
  }

  createInputTopic<K = string | null, V = unknown>(topic: string, options: TestInputTopicOptions<K, V> = {}): TestInputTopic<K, V> {
    return new TestInputTopic<K, V>(this, topic, options);
  }

  createOutputTopic<K = string | null, V = unknown>(topic: string, options: TestOutputTopicOptions<K, V> = {}): TestOutputTopic<K, V> {
    return new TestOutputTopic<K, V>(this, topic, options);
  }

  /** The records written to `topic` so far (input, output, internal and changelog topics alike). */
  records(topic: string): TestRecord[] {
    let log = this.#topics.get(topic);
    if (log === undefined) this.#topics.set(topic, (log = []));
    return log;
  }

  /** How many records of `topic` the output readers consumed (shared by every reader of it). */
  readPosition(topic: string): number {
    return this.#readPositions.get(topic) ?? 0;
  }

  /** Marks one more record of `topic` consumed (used by `TestOutputTopic`). */
  advanceReadPosition(topic: string): void {
    this.#readPositions.set(topic, this.readPosition(topic) + 1);
  }

  /** The internal topic names the application would use. */
  repartitionTopic(name: string): string {
    return `${this.applicationId}-${name}-repartition`;
  }

  changelogTopic(store: string): string {
    return `${this.applicationId}-${store}-changelog`;
  }

  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    const s = this.#store(name);
    if (!(s instanceof KeyValueStore)) throw new InvalidConfigError(`store "${name}" is not a key-value store`);
    return s as ReadOnlyKeyValueStore<K, V>;
  }

  windowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    const s = this.#store(name);
    if (!(s instanceof WindowStore) && !(s instanceof ProcessorWindowStore)) throw new InvalidConfigError(`store "${name}" is not a window store`);
    return s as ReadOnlyWindowStore<K, V>;
  }

  sessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    const s = this.#store(name);
    if (!(s instanceof SessionStore)) throw new InvalidConfigError(`store "${name}" is not a session store`);
    return s as ReadOnlySessionStore<K, V>;
  }

  /** Stream time of the sub-topology reading `topic` (the largest event time it has seen). */
  streamTime(topic: string): number {
    this.#start();
    return this.#readerOrThrow(topic).streamTime;
  }

  /**
   * Appends records to `topic` and processes them as one batch, then everything they caused.
   * (Used by `TestInputTopic`.)
   */
  pipe(topic: string, records: TestRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidConfigError('the test driver is closed'));
    try {
      this.#start();
      // A global table's topic is read too (by the global store, not a task).
      if (!this.#globals.reads(topic)) this.#readerOrThrow(topic);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.#queue.then(() => this.#deliver(topic, records));
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Closes every window of the `onWindowClose` aggregations, as a drained `sluice run --until-idle`
   * does (`StreamsApp.closeWindows`): their final results are emitted and processed downstream, where
   * windows close in turn, until no aggregation has anything left to emit. Resolves with the number
   * of final results emitted.
   */
  closeWindows(): Promise<number> {
    if (this.#closed) return Promise.reject(new InvalidConfigError('the test driver is closed'));
    const run = this.#queue.then(() => this.#closeWindows());
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  close(): void {
    this.#closed = true;
    for (const processor of this.#processors ?? []) processor.close();
  }

  #store(name: string) {
    this.#start();
    for (const p of this.#processors!) {
      const s = p.stores.get(name);
      if (s !== undefined) return s;
    }
    const global = this.#globals.store(name);
    if (global !== undefined) return global;
    throw new InvalidConfigError(`the topology has no store "${name}" (stores: ${[...this.#topology.stores.keys()].join(', ') || 'none'})`);
  }

  #start(): TaskProcessor[] {
    if (this.#processors !== null) return this.#processors;
    const collector: RecordCollector = {
      send: async (topic, records) => this.#append(topic, records),
      partitionCount: async () => 1,
    };
    const observer: ProcessorObserver = {
      late: (info) => void this.lateRecords.push(info),
    };
    this.#processors = this.#topology.subtopologies.map((sub) => {
      const topicsOf = new Map<number, string[]>();
      for (const source of sub.sources) {
        // Pattern sources get their topics as they appear (#readerOf).
        const topics = source.internal ? source.topics.map((t) => this.repartitionTopic(t)) : source.pattern ? [] : [...source.topics];
        topicsOf.set(source.id, topics);
      }
      const env: TaskEnvironment = {
        taskId: `${sub.id}_0`,
        partition: 0,
        defaultKeySerde: this.defaultKeySerde,
        defaultValueSerde: this.defaultValueSerde,
        repartitionTopic: (name) => this.repartitionTopic(name),
        sourceTopics: (id) => topicsOf.get(id) ?? [],
        collector,
        observer,
        wallClock: () => this.#wallClockMs,
        globalStore: (name) => this.#globals.store(name),
      };
      const inputs = [...topicsOf.values()].flat().map((topic) => ({ topic, partition: 0 }));
      const processor = new TaskProcessor(sub, env);
      for (const source of sub.sources) if (source.pattern !== null && !source.internal) this.#patterns.push({ pattern: source.pattern, nodeId: source.id, processor, topics: topicsOf.get(source.id)! });
      for (const { topic } of inputs) this.#readers.set(topic, processor);
      if (inputs.length > 0) this.#lastInput.set(processor, { topic: inputs[0].topic, offset: -1 });
      return processor;
    });
    return this.#processors;
  }

  /** Pattern sources, and the topics each has taken on so far (its task environment's list). */
  readonly #patterns: { pattern: RegExp; nodeId: number; processor: TaskProcessor; topics: string[] }[] = [];

  /** The processor reading `topic`; a topic matching a pattern source is added to it on first sight. */
  #readerOf(topic: string): TaskProcessor | undefined {
    const known = this.#readers.get(topic);
    if (known !== undefined) return known;
    // The application's own changelog and repartition topics are never a pattern's input.
    if (topic.startsWith(`${this.applicationId}-`) && (topic.endsWith('-changelog') || topic.endsWith('-repartition'))) return undefined;
    const match = this.#patterns.find((p) => p.pattern.test(topic));
    if (match === undefined) return undefined;
    match.processor.addSourceTopic(match.nodeId, topic);
    match.topics.push(topic);
    this.#readers.set(topic, match.processor);
    if (!this.#lastInput.has(match.processor)) this.#lastInput.set(match.processor, { topic, offset: -1 });
    return match.processor;
  }

  #readerOrThrow(topic: string): TaskProcessor {
    const p = this.#readerOf(topic);
    if (p !== undefined) return p;
    const sources = this.#topology.subtopologies.flatMap((sub) => sub.sources.filter((n) => !n.internal).map((n) => (n.pattern ? String(n.pattern) : n.topics.map((t) => `"${t}"`).join(', '))));
    throw new InvalidConfigError(`no source of the topology reads topic "${topic}" (sources read: ${sources.join(', ') || 'nothing'})`);
  }

  /** Appends to a topic's log; records for a topic the topology reads are processed after the current batch. */
  #pending: { topic: string; records: InputRecord[] }[] = [];

  #append(topic: string, records: readonly (Omit<OutputRecord, 'topic'> | TestRecord)[]): void {
    const log = this.records(topic);
    const inputs: (InputRecord & TestRecord)[] = [];
    for (const r of records) {
      const stored: TestRecord = { key: toBuffer(r.key), value: toBuffer(r.value), headers: [...r.headers], timestamp: r.timestamp };
      inputs.push({ topic, partition: 0, offset: log.length, ...stored });
      log.push(stored);
    }
    // A global table's topic updates its store at once, as the global thread would.
    if (this.#globals.reads(topic)) for (const r of inputs) this.#globals.apply(topic, r.key, r.value);
    if (this.#readerOf(topic) !== undefined) this.#pending.push({ topic, records: inputs });
  }

  async #deliver(topic: string, records: TestRecord[]): Promise<void> {
    this.#start();
    this.#append(topic, records);
    await this.#processPending();
  }

  async #processPending(): Promise<void> {
    while (this.#pending.length > 0) {
      const { topic: t, records: batch } = this.#pending.shift()!;
      const processor = this.#readers.get(t)!;
      // Before `process`, which empties the batch.
      const offset = batch[batch.length - 1].offset;
      await processor.process(batch);
      this.#lastInput.set(processor, { topic: t, offset });
      this.#writeChangelogs(processor);
    }
  }

  #writeChangelogs(processor: TaskProcessor): void {
    for (const { store, records: changes } of processor.drainChangelogs()) {
      this.#append(
        this.changelogTopic(store),
        changes.map((c) => ({ key: c.key, value: c.value, headers: c.headers, timestamp: c.timestamp ?? this.#wallClockMs })),
      );
    }
  }

  async #punctuate(): Promise<void> {
    for (const processor of this.#start()) {
      const last = this.#lastInput.get(processor) ?? { topic: '', offset: -1 };
      await processor.punctuate(this.#wallClockMs, { topic: last.topic, partition: 0, offset: last.offset });
      this.#writeChangelogs(processor);
      await this.#processPending();
    }
  }

  async #closeWindows(): Promise<number> {
    let total = 0;
    for (;;) {
      let emitted = 0;
      for (const processor of this.#start()) {
        const last = this.#lastInput.get(processor);
        if (last === undefined) continue;
        // Between the last record processed and the next (as a running task does).
        emitted += await processor.closeWindows({ topic: last.topic, partition: 0, offset: last.offset });
        this.#writeChangelogs(processor);
        await this.#processPending();
      }
      total += emitted;
      if (emitted === 0) return total;
    }
  }
}

export function toHeaderList(input: HeadersInput | undefined): RecordHeader[] {
  if (input === undefined) return [];
  if (Array.isArray(input)) return [...(input as RecordHeader[])];
  return Object.entries(input as Record<string, string | Uint8Array | null>).map(([key, value]) => ({
    key,
    value: value === null ? null : typeof value === 'string' ? Buffer.from(value) : toBuffer(value),
  }));
}
