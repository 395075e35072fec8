/**
 * Runs one source connector: polls its task, applies transforms and converters, produces the
 * records, and — strictly after the log acknowledged a batch — stores the batch's source positions
 * in `__connect_offsets` and acknowledges the batch to the task. Up to `MAX_IN_FLIGHT_BATCHES`
 * batches are produced concurrently; their acknowledgements are handled in poll order.
 *
 * A record that fails with `errors.tolerance: none` stops the connector only after the records
 * polled before it are written, their positions stored and acknowledged to the task (Kafka
 * Connect's worker, too, has sent the records before a failing one). The failing record's position
 * is not stored and it is not acknowledged, so a restart reads it again.
 *
 * Positions also travel with the records (`source-position-marker.ts`): on start, the positions of
 * batches that reached the log but not `__connect_offsets` (a crash) are recovered from the log,
 * so they are not produced twice. For that the runner picks each record's partition itself.
 *
 * Not reentrant: the runtime calls start, pause/resume and stop one at a time.
 */
import { createProducer, partitionForKey, recordBytes, type Cluster, type Producer, type ProducerRecord, type RecordMetadata, type TopicPartition } from '../../core/index.js';
import type { JsonValue, SourceConnectorType, SourceRecord, SourceTask } from '../connector.js';
import { converter, type Converter } from '../converters.js';
import { RecordProcessingError } from '../errors.js';
import { isRetriable, withRetry, type RetryPolicy } from '../retry-policy.js';
import { compileTransforms, TransformError, TRANSFORMS_BY_TYPE, type TransformChain, type TransformRecord } from '../transforms/index.js';
import type { ValidConfig } from '../config/validate-config.js';
import { publishConnectorWarning, type StatusTracker } from './connector-status.js';
import { deadLetterRecord, toHeaderList, type ErrorStage, type FailedRecord } from './dead-letter.js';
import { SkippedRecords } from './skipped-records.js';
import type { SourceOffsetStore } from './source-offset-store.js';
import { encodeMarker, findMarkers, partKey, POSITION_HEADER, reconcile, type RunnerState } from './source-position-marker.js';
import { ensureTopic } from './topics.js';

/** Batches produced but not yet acknowledged, at most (backpressure on polling). */
const MAX_IN_FLIGHT_BATCHES = 4;

type Bytes = Uint8Array | string | null;

export interface SourceRunnerOptions {
  cluster: Cluster;
  config: ValidConfig;
  type: SourceConnectorType;
  offsets: SourceOffsetStore;
  retryPolicy: RetryPolicy;
  status: StatusTracker;
  /** Called once when the connector fails (after it was cleaned up). */
  onFailed: (error: Error) => void;
}

interface Prepared {
  out: ProducerRecord<Bytes, Bytes>[];
  dead: ProducerRecord<Bytes, Bytes>[];
  positions: Map<string, JsonValue>;
  filtered: number;
  failed: number;
  /** Records the log refused (dead-lettered one by one), and their key and value bytes. */
  refused: number;
  /** The batch's number, if it produced records (then its parts carry position markers). */
  seq: number | null;
  /** Per topic-partition written to, the index of its marked record (in `out`, or in `dead` if `dead`). */
  parts: { where: string; dead: boolean; index: number }[];
  refusedBytes: number;
  /** With errors.tolerance=none: the error of the first failing record; the batch ends before it. */
  fatal: RecordProcessingError | null;
  /** How many of the polled records this batch covers (all but a fatal record and those after it). */
  handled: number;
}

export class SourceRunner {
  readonly #o: SourceRunnerOptions;
  readonly #skipped: SkippedRecords;
  readonly #config: ValidConfig;
  readonly #stop = new AbortController();
  readonly #chain: TransformChain;
  readonly #keyConverter: Converter;
  readonly #valueConverter: Converter;
  #task: SourceTask | null = null;
  #producer: Producer<Bytes, Bytes> | null = null;
  #loop: Promise<void> = Promise.resolve();
  #acks: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #inFlightChanged: (() => void) | null = null;
  #failure: Error | null = null;
  #paused = false;
  #resume: (() => void) | null = null;
  #lastPollEmpty = false;
  /** The last batch number given out. */
  #seq = 0;
  /** What `__connect_offsets` holds, or will once the batches before are acknowledged. */
  #state: RunnerState = { seq: 0, from: {} };
  /** Positions of record-less batches since the last marked one: the next marker carries them. */
  readonly #unmarked = new Map<string, JsonValue>();

  constructor(options: SourceRunnerOptions) {
    this.#o = options;
    this.#skipped = new SkippedRecords((message) => publishConnectorWarning({ name: options.config.name, connector: options.type.name, kind: 'source', message }));
    this.#config = options.config;
    this.#chain = compileTransforms(this.#config.transforms, TRANSFORMS_BY_TYPE);
    this.#keyConverter = converter(this.#config['key.converter']);
    this.#valueConverter = converter(this.#config['value.converter']);
  }

  /** Creates topics, restores positions, starts the task and the poll loop. @throws what start-up throws (the connector is then failed). */
  async start(): Promise<void> {
    const { cluster, config, type, offsets } = this.#o;
    try {
      await offsets.open();
      await ensureTopic(cluster, config.topic!, config['topic.creation.partitions']);
      const dlq = config['errors.deadletterqueue.topic.name'];
      if (dlq) await ensureTopic(cluster, dlq, 1);
      this.#producer = createProducer<Bytes, Bytes>(cluster, { acks: 'all', lingerMs: 2, autoCreateTopics: false });
      this.#task = type.createTask(config);
      const positions = await this.#recoverPositions();
      const warn = (message: string): void => publishConnectorWarning({ name: config.name, connector: type.name, kind: 'source', message });
      const dropped = (count: number, reason: string): void => this.#o.status.dropped(count, reason);
      await this.#task.start({ name: config.name, positions, position: (p) => positions.get(p), signal: this.#stop.signal, warn, dropped });
    } catch (error) {
      await this.#cleanUp();
      throw error;
    }
    this.#o.status.setState(this.#paused ? 'paused' : 'running');
    this.#loop = this.#run();
  }

  pause(): void {
    this.#paused = true;
    this.#o.status.setState('paused');
  }

  resume(): void {
    this.#paused = false;
    this.#o.status.setState('running');
    this.#resume?.();
  }

  /** Graceful: stops polling, lets every batch polled be produced, stores positions, stops the task. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('connector stopping'));
    this.#resume?.();
    this.#inFlightChanged?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { status, retryPolicy } = this.#o;
    const signal = this.#stop.signal;
    try {
      while (!signal.aborted && this.#failure === null) {
        if (this.#paused) {
          await new Promise<void>((resolve) => (this.#resume = resolve));
          this.#resume = null;
          continue;
        }
        let records: readonly SourceRecord[];
        try {
          records = await withRetry('poll', () => this.#task!.poll(signal), {
            policy: retryPolicy,
            signal,
            onRetry: (attempt, error, delayMs) => status.retrying('poll', attempt, error, delayMs),
          });
        } catch (error) {
          if (signal.aborted) break;
          throw error;
        }
        status.recovered();
        if (records.length === 0) {
          this.#lastPollEmpty = true;
          if (this.#inFlight === 0) status.setIdle(true);
          continue;
        }
        this.#lastPollEmpty = false;
        status.setIdle(false);
        status.addIn(records.length);
        const prepared = await this.#prepare(records);
        this.#send(prepared.handled === records.length ? records : records.slice(0, prepared.handled), prepared);
        if (prepared.fatal) {
          // The records before the failing one are written and acknowledged first.
          await this.#acks;
          throw prepared.fatal;
        }
        while (this.#inFlight >= MAX_IN_FLIGHT_BATCHES && this.#failure === null) {
          await new Promise<void>((resolve) => (this.#inFlightChanged = resolve));
        }
      }
      await this.#acks;
      if (this.#failure) throw this.#failure;
      await this.#cleanUp();
      status.setState('stopped');
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#failure ??= failure;
      await this.#acks.catch(() => {});
      await this.#cleanUp();
      status.setState('failed', this.#failure);
      this.#o.onFailed(this.#failure);
    }
  }

  /** Stored positions, moved past the batches whose records reached the log before a crash. */
  async #recoverPositions(): Promise<ReadonlyMap<string, JsonValue>> {
    const { cluster, config, offsets } = this.#o;
    const parts: TopicPartition[] = [];
    for (const topic of [config.topic!, config['errors.deadletterqueue.topic.name']]) {
      if (!topic) continue;
      const count = await cluster.partitionCount(topic);
      for (let partition = 0; partition < count; partition++) parts.push({ topic, partition });
    }
    const stored = offsets.stateOf(config.name) ?? { seq: 0, from: {} };
    const recovered = reconcile(stored.seq, await findMarkers(cluster, config.name, parts, stored.from));
    const from: Record<string, number> = {};
    for (const tp of parts) from[partKey(tp.topic, tp.partition)] = await cluster.listOffset(tp.topic, tp.partition, 'latest');
    this.#seq = recovered.highest;
    this.#state = { seq: recovered.highest, from };
    await offsets.write(config.name, recovered.positions, this.#state);
    return offsets.positionsOf(config.name);
  }

  async #cleanUp(): Promise<void> {
    const task = this.#task;
    this.#task = null;
    await task?.stop().catch(() => {});
    await this.#producer?.close().catch(() => {});
  }

  /** Transforms and converts a polled batch; failing records follow `errors.tolerance`. */
  async #prepare(records: readonly SourceRecord[]): Promise<Prepared> {
    const config = this.#config;
    const topic = config.topic!;
    const prepared: Prepared = { out: new Array(records.length), dead: [], positions: new Map(), filtered: 0, failed: 0, refused: 0, refusedBytes: 0, seq: null, parts: [], fatal: null, handled: records.length };
    const out = prepared.out;
    let n = 0;
    const chain = this.#chain.length > 0 ? this.#chain : null;
    const keyConverter = this.#keyConverter;
    const valueConverter = this.#valueConverter;
    // A source's JSON text is what the json converter would write when no transform changes the value.
    const reuseJson = chain === null && valueConverter.name === 'json';
    let i = 0;
    let before: JsonValue | undefined; // the position of records[i]'s source partition before it
    // One try around the loop, not one per record: #fail throws when errors.tolerance is none.
    try {
      for (; i < records.length; i++) {
        const r = records[i];
        if (r.sourceOffset !== undefined) {
          before = prepared.positions.get(r.sourcePartition);
          prepared.positions.set(r.sourcePartition, r.sourceOffset);
        }
        if (r.error !== undefined) {
          this.#fail(prepared, r, 'TASK_POLL', this.#o.type.name, r.error, r.key, r.value);
          continue;
        }
        let sourceValue = r.value;
        if (r.valueJson !== undefined && sourceValue === undefined) {
          try {
            sourceValue = reuseJson ? r.valueJson : parseJsonText(r.valueJson);
          } catch (error) {
            this.#fail(prepared, r, 'TASK_POLL', this.#o.type.name, error, r.key, r.valueJson);
            continue;
          }
        }
        let rec: TransformRecord = { topic: r.topic ?? topic, partition: r.partition, key: r.key ?? null, value: sourceValue, headers: r.headers, timestamp: r.timestamp };
        if (chain) {
          try {
            let result = chain.apply(rec);
            if (result instanceof Promise) result = await result;
            if (result === null) {
              prepared.filtered++;
              continue;
            }
            rec = result;
          } catch (error) {
            this.#fail(prepared, r, 'TRANSFORMATION', error instanceof TransformError ? error.type : 'transform', error, r.key, r.value);
            continue;
          }
        }
        let key: Bytes;
        let value: Bytes;
        try {
          key = keyConverter.fromConnector(rec.key);
        } catch (error) {
          this.#fail(prepared, r, 'KEY_CONVERTER', keyConverter.name, error, rec.key, rec.value);
          continue;
        }
        try {
          value = reuseJson && r.valueJson !== undefined ? r.valueJson : valueConverter.fromConnector(rec.value);
        } catch (error) {
          this.#fail(prepared, r, 'VALUE_CONVERTER', valueConverter.name, error, rec.key, rec.value);
          continue;
        }
        out[n++] = { topic: rec.topic, partition: rec.partition, key, value, headers: rec.headers, timestamp: rec.timestamp };
      }
    } catch (error) {
      if (!(error instanceof RecordProcessingError)) throw error;
      // Fail fast, but after the records before this one: the batch ends here, at their position.
      const r = records[i];
      if (r.sourceOffset !== undefined) {
        if (before === undefined) prepared.positions.delete(r.sourcePartition);
        else prepared.positions.set(r.sourcePartition, before);
      }
      prepared.fatal = error;
      prepared.handled = i;
    }
    out.length = n;
    await this.#mark(prepared);
    return prepared;
  }

  /**
   * Numbers a batch that produces records and adds the position marker to the last record of each
   * topic-partition it writes to; a record-less batch's positions wait for the next marker.
   */
  async #mark(prepared: Prepared): Promise<void> {
    if (prepared.out.length === 0 && prepared.dead.length === 0) {
      for (const [partition, position] of prepared.positions) this.#unmarked.set(partition, position);
      return;
    }
    const seq = ++this.#seq;
    const last = new Map<string, { dead: boolean; index: number }>();
    // Asked per batch (a lookup in the broker), not cached: partitions can be added to a topic.
    const counts = new Map<string, number>();
    for (const dead of [false, true]) {
      const list = dead ? prepared.dead : prepared.out;
      let topic: string | undefined;
      let count = 0;
      // Records come in runs to one topic-partition (a keyless batch is one run): the part's key is
      // made, and its last record noted, once per run rather than per record.
      let run = -1; // the first record of the current run
      for (let i = 0; i < list.length; i++) {
        const r = list[i];
        if (r.topic !== topic) {
          topic = r.topic;
          const known = counts.get(topic) ?? (await this.#o.cluster.partitionCount(topic));
          counts.set(topic, (count = known));
        }
        // Keyed records go where the producer's partitioner would put them; keyless ones stick to one partition per batch.
        r.partition ??= r.key === null || r.key === undefined ? seq % count : partitionForKey(typeof r.key === 'string' ? Buffer.from(r.key) : r.key, count);
        if (run >= 0 && r.topic === list[run].topic && r.partition === list[run].partition) continue;
        if (run >= 0) last.set(partKey(list[run].topic, list[run].partition!), { dead, index: i - 1 });
        run = i;
      }
      if (run >= 0) last.set(partKey(list[run].topic, list[run].partition!), { dead, index: list.length - 1 });
    }
    const positions: Record<string, JsonValue> = {};
    for (const [partition, position] of this.#unmarked) positions[partition] = position;
    for (const [partition, position] of prepared.positions) positions[partition] = position;
    this.#unmarked.clear();
    const header = { key: POSITION_HEADER, value: encodeMarker(this.#config.name, { seq, parts: last.size, positions }) };
    for (const [where, { dead, index }] of last) {
      const r = (dead ? prepared.dead : prepared.out)[index];
      r.headers = [...toHeaderList(r.headers), header];
      prepared.parts.push({ where, dead, index });
    }
    prepared.seq = seq;
  }

  /** The state to store once `prepared` is acknowledged: its number, and offsets past its markers. */
  #advanceState(prepared: Prepared, sent: readonly (RecordMetadata[] | null)[]): RunnerState | undefined {
    if (prepared.seq === null) return undefined;
    const from = { ...this.#state.from };
    for (const part of prepared.parts) {
      const metadata = sent[part.dead ? 1 : 0]?.[part.index];
      if (metadata) from[part.where] = metadata.offset + 1; // sent one by one: keep the older, lower bound
    }
    return (this.#state = { seq: prepared.seq, from });
  }

  #fail(prepared: Prepared, r: SourceRecord, stage: ErrorStage, className: string, error: unknown, key: unknown, value: unknown): void {
    const config = this.#config;
    if (config['errors.tolerance'] !== 'all') {
      throw new RecordProcessingError(stage, `record from ${this.#where(r)} of connector "${config.name}" failed (errors.tolerance=none): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    prepared.failed++;
    const dlq = config['errors.deadletterqueue.topic.name'];
    if (!dlq) return this.#skipped.add(stage, className, error);
    const failed: FailedRecord = { stage, className, error, key, value, headers: r.headers, timestamp: r.timestamp, source: { partition: r.sourcePartition, offset: r.sourceOffset } };
    prepared.dead.push(deadLetterRecord(dlq, config.name, failed, config['errors.deadletterqueue.context.headers.enable']));
  }

  /** Where `r` came from: `<file>:<line>` for a file source, else its source partition. */
  #where(r: SourceRecord): string {
    const name = this.#task?.describePartition?.(r.sourcePartition);
    if (name === undefined) return `source partition ${r.sourcePartition}${r.line === undefined ? '' : `, line ${r.line}`}`;
    return r.line === undefined ? name : `${name}:${r.line}`;
  }

  /** Produces a batch; its acknowledgement is handled in order after the ones before it. */
  #send(records: readonly SourceRecord[], prepared: Prepared): void {
    const producer = this.#producer!;
    const sent = Promise.all([
      prepared.out.length > 0 ? producer.send(prepared.out).catch((error: unknown) => this.#sendOneByOne(prepared, error)) : null,
      prepared.dead.length > 0 ? producer.send(prepared.dead) : null,
    ]);
    sent.catch(() => {}); // observed below, in order
    this.#inFlight++;
    this.#acks = this.#acks.then(async () => {
      try {
        if (this.#failure) return;
        const results = await sent;
        await this.#o.offsets.write(this.#config.name, prepared.positions, this.#advanceState(prepared, results));
        await this.#task?.acknowledge?.(records);
        const { out, refused, refusedBytes } = prepared;
        this.#o.status.acknowledged(records.length, out.length - refused, prepared.filtered, prepared.failed + refused, () => recordBytes(out) - refusedBytes);
        this.#skipped.flush();
      } catch (error) {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
        this.#stop.abort(this.#failure);
      } finally {
        this.#inFlight--;
        if (this.#inFlight === 0 && this.#lastPollEmpty) this.#o.status.setIdle(true);
        this.#inFlightChanged?.();
      }
    });
  }

  /**
   * A send failed for good (the producer already retried retriable errors). With
   * errors.tolerance=all, send the records one by one and dead-letter those the log refuses.
   */
  async #sendOneByOne(prepared: Prepared, error: unknown): Promise<null> {
    const config = this.#config;
    if (config['errors.tolerance'] !== 'all' || isRetriable(error)) throw error;
    const producer = this.#producer!;
    const dlq = config['errors.deadletterqueue.topic.name'];
    const dead: ProducerRecord<Bytes, Bytes>[] = [];
    for (const record of prepared.out) {
      try {
        await producer.send(record);
      } catch (e) {
        prepared.refused++;
        prepared.refusedBytes += recordBytes([record]);
        if (!dlq) this.#skipped.add('KAFKA_PRODUCE', 'producer', e);
        else {
          dead.push(deadLetterRecord(dlq, config.name, { stage: 'KAFKA_PRODUCE', className: 'producer', error: e, key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp }, config['errors.deadletterqueue.context.headers.enable']));
        }
      }
    }
    if (dead.length > 0) await producer.send(dead);
    return null;
  }
}

/** The document of a source's `valueJson` (checked by the source; a bad one fails like an unreadable record). */
function parseJsonText(text: Uint8Array): unknown {
  return JSON.parse(Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8'));
}
