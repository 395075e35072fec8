/**
 * Runs one source connector: polls its task, applies transforms and converters, and writes each
 * polled batch — its records, its dead-lettered records and its source positions in
 * `__connect_offsets` — in one Kafka transaction (KIP-618, `transaction.boundary=poll`), through a
 * transactional producer with `transactional.id` `connect-<connector>`. Then it acknowledges the
 * batch to the task. A restart after a crash initializes the same id, which aborts the batch the
 * killed process left open, and reads the positions read_committed: the records and the position
 * of a batch are stored together or not at all, so nothing is produced twice or lost — and nothing
 * internal is written on the records. Up to `MAX_IN_FLIGHT_BATCHES` batches are polled and
 * prepared ahead; their transactions run one after another, in poll order.
 *
 * A record that fails with `errors.tolerance: none` stops the connector only after the records
 * polled before it are written, their positions stored and acknowledged to the task (Kafka
 * Connect's worker, too, has sent the records before a failing one). The failing record's position
 * is not stored and it is not acknowledged, so a restart reads it again.
 *
 * Not reentrant: the runtime calls start, pause/resume and stop one at a time.
 */
import { createProducer, recordBytes, type Cluster, type Producer, type ProducerRecord } from '../../core/index.js';
import type { JsonValue, SourceConnectorType, SourceRecord, SourceTask } from '../connector.js';
import { converter, type Converter } from '../converters.js';
import { RecordProcessingError } from '../errors.js';
import { isRetriable, reconnectedOf, withRetry, type RetryPolicy } from '../retry-policy.js';
import { compileTransforms, TransformError, TRANSFORMS_BY_TYPE, type TransformChain, type TransformRecord } from '../transforms/index.js';
import type { ValidConfig } from '../config/validate-config.js';
import { publishConnectorWarning, type StatusTracker } from './connector-status.js';
import { deadLetterRecord, toHeaderList, type ErrorStage, type FailedRecord } from './dead-letter.js';
import { SkippedRecords } from './skipped-records.js';
import type { SourceOffsetStore } from './source-offset-store.js';
import { ensureTopic } from './topics.js';

/** Batches polled but not yet acknowledged, at most (backpressure on polling). */
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
  /** A batch run: the task reads what its source holds now and may report it drained (`SourceContext.batch`). */
  batch?: boolean;
}

interface Prepared {
  out: ProducerRecord<Bytes, Bytes>[];
  dead: ProducerRecord<Bytes, Bytes>[];
  positions: Map<string, JsonValue>;
  filtered: number;
  failed: number;
  /** Records the log refused (dead-lettered one by one), and their key and value bytes. */
  refused: number;
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
  #transactional = true;
  #loop: Promise<void> = Promise.resolve();
  #acks: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #inFlightChanged: (() => void) | null = null;
  #failure: Error | null = null;
  #paused = false;
  #resume: (() => void) | null = null;
  /**
   * Aborted by `pause`: a poll waiting for input (a file source waits up to 200 ms, a NATS one
   * 500 ms) returns at once instead of handing over what arrives after the pause. Made anew by
   * `resume`, not per poll (polls are too frequent for a signal each).
   */
  #pausing = new AbortController();
  #pollSignal: AbortSignal | null = null;
  #lastPollEmpty = false;

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
      // First: fences an earlier instance of the connector and aborts the batch it left open.
      // Without transactions (cluster.supportsTransactions false): records, then positions — at-least-once.
      this.#transactional = cluster.supportsTransactions;
      this.#producer = createProducer<Bytes, Bytes>(cluster, { acks: 'all', lingerMs: 2, autoCreateTopics: false, ...(this.#transactional ? { transactionalId: `connect-${config.name}` } : {}) });
      if (this.#transactional) await this.#producer.initTransactions();
      await offsets.open();
      await ensureTopic(cluster, config.topic!, config['topic.creation.partitions']);
      const dlq = config['errors.deadletterqueue.topic.name'];
      if (dlq) await ensureTopic(cluster, dlq, 1);
      this.#task = type.createTask(config);
      const positions = offsets.positionsOf(config.name);
      const warn = (message: string): void => publishConnectorWarning({ name: config.name, connector: type.name, kind: 'source', message });
      const dropped = (count: number, reason: string): void => this.#o.status.dropped(count, reason);
      const batch = this.#o.batch === true;
      // The task fails the connector from outside `poll` (e.g. credentials refused on a reconnect).
      const fail = (error: Error): void => {
        if (this.#failure) return;
        this.#failure = error;
        this.#stop.abort(error);
        this.#resume?.();
        this.#inFlightChanged?.();
      };
      await this.#task.start({ name: config.name, positions, position: (p) => positions.get(p), signal: this.#stop.signal, warn, dropped, fail, batch });
      if (batch && this.#task.drained) this.#o.status.canDrain();
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
    this.#pausing.abort(new Error('connector paused'));
  }

  resume(): void {
    this.#paused = false;
    if (this.#pausing.signal.aborted) {
      this.#pausing = new AbortController();
      this.#pollSignal = null;
    }
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
        const pollSignal = (this.#pollSignal ??= AbortSignal.any([signal, this.#pausing.signal]));
        let records: readonly SourceRecord[];
        try {
          records = await withRetry('poll', () => this.#task!.poll(pollSignal), {
            policy: retryPolicy,
            signal,
            wake: reconnectedOf(this.#task!),
            onRetry: (attempt, error, delayMs) => status.retrying('poll', attempt, error, delayMs),
          });
        } catch (error) {
          if (signal.aborted) break;
          throw error;
        }
        status.recovered();
        if (records.length === 0) {
          this.#lastPollEmpty = true;
          if (this.#o.batch && this.#task!.drained?.() === true) {
            await this.#drained(signal);
            break;
          }
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
    const prepared: Prepared = { out: new Array(records.length), dead: [], positions: new Map(), filtered: 0, failed: 0, refused: 0, refusedBytes: 0, fatal: null, handled: records.length };
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
    return prepared;
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

  /**
   * The input ended: once every batch is written and acknowledged the source reports itself
   * drained, then stays running without polling until it is stopped.
   */
  async #drained(signal: AbortSignal): Promise<void> {
    await this.#acks;
    if (this.#failure) return;
    this.#o.status.setDrained();
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  #where(r: SourceRecord): string {
    const name = this.#task?.describePartition?.(r.sourcePartition);
    if (name === undefined) return `source partition ${r.sourcePartition}${r.line === undefined ? '' : `, line ${r.line}`}`;
    return r.line === undefined ? name : `${name}:${r.line}`;
  }

  /** Writes a batch in its transaction, after the ones before it, then acknowledges it to the task. */
  #send(records: readonly SourceRecord[], prepared: Prepared): void {
    this.#inFlight++;
    this.#acks = this.#acks.then(async () => {
      try {
        if (this.#failure) return;
        await this.#commitBatch(prepared);
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

  /** One transaction: the batch's records, its dead letters and its positions. */
  async #commitBatch(prepared: Prepared): Promise<void> {
    const producer = this.#producer!;
    const { offsets } = this.#o;
    const name = this.#config.name;
    if (prepared.out.length === 0 && prepared.dead.length === 0 && prepared.positions.size === 0) return;
    if (!this.#transactional) {
      await this.#sendRecords(prepared);
      if (prepared.positions.size > 0) await producer.sendAll(offsets.records(name, prepared.positions));
      offsets.applied(name, prepared.positions);
      return;
    }
    producer.beginTransaction();
    try {
      await this.#sendRecords(prepared);
      if (prepared.positions.size > 0) await producer.sendAll(offsets.records(name, prepared.positions));
      await producer.commitTransaction();
    } catch (error) {
      await producer.abortTransaction().catch(() => {});
      throw error;
    }
    offsets.applied(name, prepared.positions);
  }

  /** Sends the batch's records and dead letters (inside the batch's transaction, when there is one). */
  async #sendRecords(prepared: Prepared): Promise<void> {
    const producer = this.#producer!;
    try {
      // The batch path: one promise per send, no metadata object per record (nothing here reads offsets).
      await Promise.all([prepared.out.length > 0 ? producer.sendAll(prepared.out) : null, prepared.dead.length > 0 ? producer.sendAll(prepared.dead) : null]);
    } catch (error) {
      // A send failed for good (the producer already retried retriable errors). With
      // errors.tolerance=all, write the batch again one record at a time, dead-lettering those the log refuses.
      if (this.#config['errors.tolerance'] !== 'all' || isRetriable(error)) throw error;
      if (this.#transactional) {
        await producer.abortTransaction();
        producer.beginTransaction();
      }
      await this.#sendOneByOne(prepared);
    }
  }

  /** Sends the batch's records one by one and dead-letters those the log refuses (errors.tolerance=all). */
  async #sendOneByOne(prepared: Prepared): Promise<void> {
    const config = this.#config;
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
    for (const record of prepared.dead) dead.push(record);
    if (dead.length > 0) await producer.sendAll(dead);
  }
}

/** The document of a source's `valueJson` (checked by the source; a bad one fails like an unreadable record). */
function parseJsonText(text: Uint8Array): unknown {
  return JSON.parse(Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8'));
}
