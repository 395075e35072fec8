/**
 * Runs one sink connector: polls the topics through its consumer group, converts and transforms
 * each record, hands the batch to the task's `put` (retrying with backoff while the destination
 * is unreachable) and — only once `put` resolved, i.e. the destination acknowledged — commits the
 * offsets past the batch. Records that fail follow `errors.tolerance`; dead-lettered records are
 * acknowledged by the log before the commit too.
 *
 * Not reentrant: the runtime calls start, pause/resume and stop one at a time.
 */
import { createProducer, recordBytes, type Cluster, type OffsetCommitEntry, type Producer, type ProducerRecord } from '../../core/index.js';
import type { SinkConnectorType, SinkRecord, SinkTask } from '../connector.js';
import type { ValidConfig } from '../config/validate-config.js';
import { converter, type Converter } from '../converters.js';
import { RecordProcessingError, RecordsRejectedError } from '../errors.js';
import { reconnectedOf, withRetry, type RetryPolicy } from '../retry-policy.js';
import { compileTransforms, TransformError, TRANSFORMS_BY_TYPE, type TransformChain, type TransformRecord } from '../transforms/index.js';
import { publishConnectorWarning, type StatusTracker } from './connector-status.js';
import { deadLetterRecord, type ErrorStage } from './dead-letter.js';
import { SkippedRecords } from './skipped-records.js';
import { GroupSinkInput, type RawRecord, type SinkInput } from './sink-input.js';
import { ensureTopic, sinkTopics } from './topics.js';
import { sinkGroupId } from './connector-offsets.js';

type Bytes = Uint8Array | string | null;

/** How long a poll waits for records by default (a stop ends the wait at once). */
const POLL_TIMEOUT_MS = 200;
/** How often the lag is recomputed while idle. */
const LAG_INTERVAL_MS = 250;

export interface SinkRunnerOptions {
  cluster: Cluster;
  config: ValidConfig;
  type: SinkConnectorType;
  retryPolicy: RetryPolicy;
  status: StatusTracker;
  onFailed: (error: Error) => void;
  /** How long a poll waits for records before the loop looks again (default 200 ms). */
  pollTimeoutMs?: number;
  /** Replaces the group consumer (tests). */
  input?: (cluster: Cluster, groupId: string, topics: string[], config: ValidConfig) => SinkInput;
}

export class SinkRunner {
  readonly #o: SinkRunnerOptions;
  readonly #config: ValidConfig;
  readonly #stop = new AbortController();
  /** Set by the task's `fail`: the loop stops and the connector fails with it. */
  #failure: Error | null = null;
  readonly #chain: TransformChain;
  readonly #keyConverter: Converter;
  readonly #valueConverter: Converter;
  #task: SinkTask | null = null;
  #input: SinkInput | null = null;
  /** Set while the loop waits in `poll` (with no batch in hand). */
  #polling = false;
  #dlqProducer: Producer<Bytes, Bytes> | null = null;
  #loop: Promise<void> = Promise.resolve();
  #paused = false;
  #lastLagMs = 0;
  readonly #skipped: SkippedRecords;

  constructor(options: SinkRunnerOptions) {
    this.#o = options;
    this.#config = options.config;
    this.#chain = compileTransforms(this.#config.transforms, TRANSFORMS_BY_TYPE);
    this.#keyConverter = converter(this.#config['key.converter']);
    this.#valueConverter = converter(this.#config['value.converter']);
    this.#skipped = new SkippedRecords((message) => publishConnectorWarning({ name: this.#config.name, connector: options.type.name, kind: 'sink', message }));
  }

  /** Checks the topics, joins the group (lazily, at the first poll) and starts the task. */
  async start(): Promise<void> {
    const { cluster, config, type } = this.#o;
    try {
      const topics = sinkTopics(config);
      for (const topic of topics) await cluster.partitionCount(topic); // UnknownTopicError names a missing one
      const dlq = config['errors.deadletterqueue.topic.name'];
      if (dlq) {
        await ensureTopic(cluster, dlq, 1);
        this.#dlqProducer = createProducer<Bytes, Bytes>(cluster, { acks: 'all', lingerMs: 0, autoCreateTopics: false });
      }
      const groupId = sinkGroupId(config.name);
      this.#input = this.#o.input
        ? this.#o.input(cluster, groupId, topics, config)
        : new GroupSinkInput(cluster, { groupId, topics, autoOffsetReset: config['consumer.auto.offset.reset'] });
      this.#task = type.createTask(config);
      const warn = (message: string): void => publishConnectorWarning({ name: config.name, connector: type.name, kind: 'sink', message });
      // The task fails the connector from outside `put` (e.g. credentials refused while idle).
      const fail = (error: Error): void => {
        if (this.#failure) return;
        this.#failure = error;
        this.#stop.abort(error);
      };
      await this.#task.start({ name: config.name, signal: this.#stop.signal, warn, fail });
    } catch (error) {
      await this.#cleanUp();
      throw error;
    }
    this.#o.status.setState(this.#paused ? 'paused' : 'running');
    this.#loop = this.#run();
  }

  pause(): void {
    this.#paused = true;
    this.#input?.pause();
    this.#o.status.setState('paused');
  }

  resume(): void {
    this.#paused = false;
    this.#input?.resume();
    this.#o.status.setState('running');
  }

  /** Graceful: finishes the batch in hand (its put and commit), then leaves the group and stops the task. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('connector stopping'));
    // A poll waiting for records (up to its timeout) has no batch in hand: closing the input
    // ends it at once (as Kafka's consumer.wakeup()) instead of letting it run out.
    const closing = this.#polling ? this.#input?.close().catch(() => {}) : undefined;
    await Promise.all([this.#loop, closing]);
  }

  async #run(): Promise<void> {
    const { status } = this.#o;
    const signal = this.#stop.signal;
    const max = this.#config['consumer.max.poll.records'];
    try {
      while (!signal.aborted) {
        let records: RawRecord[];
        this.#polling = true;
        try {
          records = await this.#input!.poll(max, this.#o.pollTimeoutMs ?? POLL_TIMEOUT_MS);
        } catch (error) {
          if (signal.aborted) break; // `stop()` closed the input under the poll
          throw error;
        } finally {
          this.#polling = false;
        }
        if (signal.aborted && records.length === 0) break;
        if (records.length === 0) {
          // Everything polled was put and committed: commit past the markers after it too.
          await this.#input!.commitPastMarkers();
          await this.#updateLag(false);
          continue;
        }
        status.setIdle(false);
        status.addIn(records.length);
        await this.#process(records);
        await this.#updateLag(true);
      }
      if (this.#failure) throw this.#failure;
      await this.#cleanUp();
      status.setState('stopped');
    } catch (error) {
      await this.#cleanUp();
      if (signal.aborted && error === signal.reason && error !== this.#failure) {
        // Stopped while retrying an unreachable destination: the batch stays uncommitted.
        status.setState('stopped');
        return;
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      status.setState('failed', failure);
      this.#o.onFailed(failure);
    }
  }

  async #updateLag(force: boolean): Promise<void> {
    const now = performance.now();
    if (!force && now - this.#lastLagMs < LAG_INTERVAL_MS) return;
    this.#lastLagMs = now;
    const lag = await this.#input!.lag();
    this.#o.status.setLag(lag);
    this.#o.status.setIdle(lag === 0);
  }

  async #cleanUp(): Promise<void> {
    const task = this.#task;
    this.#task = null;
    await this.#input?.close().catch(() => {});
    this.#input = null;
    await task?.stop().catch(() => {});
    await this.#dlqProducer?.close().catch(() => {});
  }

  /** One batch: convert, transform, put (with retries), dead-letter, then commit. */
  async #process(records: readonly RawRecord[]): Promise<void> {
    const config = this.#config;
    const dead: ProducerRecord<Bytes, Bytes>[] = [];
    const batch: SinkRecord[] = [];
    let filtered = 0;
    let failed = 0;
    const chain = this.#chain.length > 0 ? this.#chain : null;
    const fail = (r: RawRecord, stage: ErrorStage, className: string, error: unknown): void => {
      if (config['errors.tolerance'] !== 'all') {
        throw new RecordProcessingError(stage, `record ${r.topic}-${r.partition}@${r.offset} of connector "${config.name}" failed (errors.tolerance=none): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      failed++;
      const dlq = config['errors.deadletterqueue.topic.name'];
      if (!dlq) this.#skipped.add(stage, className, error);
      else {
        dead.push(
          deadLetterRecord(
            dlq,
            config.name,
            { stage, className, error, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, origin: { topic: r.topic, partition: r.partition, offset: r.offset } },
            config['errors.deadletterqueue.context.headers.enable'],
          ),
        );
      }
    };
    const raw = new Map<SinkRecord, RawRecord>();
    for (const r of records) {
      let key: unknown;
      let value: unknown;
      try {
        key = this.#keyConverter.toConnector(r.key);
      } catch (error) {
        fail(r, 'KEY_CONVERTER', this.#keyConverter.name, error);
        continue;
      }
      try {
        value = this.#valueConverter.toConnector(r.value);
      } catch (error) {
        fail(r, 'VALUE_CONVERTER', this.#valueConverter.name, error);
        continue;
      }
      let rec: SinkRecord = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key, value, headers: r.headers };
      if (chain) {
        try {
          let result = chain.apply(rec as TransformRecord);
          if (result instanceof Promise) result = await result;
          if (result === null) {
            filtered++;
            continue;
          }
          rec = result as SinkRecord;
        } catch (error) {
          fail(r, 'TRANSFORMATION', error instanceof TransformError ? error.type : 'transform', error);
          continue;
        }
      }
      batch.push(rec);
      if (config['errors.tolerance'] === 'all') raw.set(rec, r);
    }
    let rejected = 0;
    if (batch.length > 0) {
      try {
        await withRetry('put', () => this.#task!.put(batch, this.#stop.signal), {
          policy: this.#o.retryPolicy,
          signal: this.#stop.signal,
          wake: reconnectedOf(this.#task!),
          onRetry: (attempt, error, delayMs) => this.#o.status.retrying('put', attempt, error, delayMs),
        });
        this.#o.status.recovered();
      } catch (error) {
        if (!(error instanceof RecordsRejectedError)) throw error;
        for (const { record, error: cause } of error.rejected) {
          const r = raw.get(record) ?? { ...record, key: null, value: null };
          fail(r as RawRecord, 'TASK_PUT', this.#o.type.name, cause);
          rejected++;
        }
      }
    }
    if (dead.length > 0) await this.#dlqProducer!.sendAll(dead);
    this.#skipped.flush();
    await this.#input!.commit(nextOffsets(records));
    this.#o.status.acknowledged(records.length, batch.length - rejected, filtered, failed, () => recordBytes(records));
  }
}

/** Per partition, the offset after the last record of `records`. */
function nextOffsets(records: readonly RawRecord[]): OffsetCommitEntry[] {
  const next = new Map<string, OffsetCommitEntry>();
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`;
    const e = next.get(k);
    if (e) e.offset = Math.max(e.offset, r.offset + 1);
    else next.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...next.values()];
}
