/**
 * One task of a running application: a sub-topology on one partition number. It restores its
 * stores from their changelogs, then loops — fetch its input partitions (its own `Consumer`),
 * take a batch, run it through the sub-topology (`TaskProcessor`), and every `commitIntervalMs`
 * write the stores' changes to their changelogs and commit the input offsets.
 *
 * Backpressure: a task fetches only when fewer than `maxBatchRecords` records wait in its queue,
 * and runs one batch at a time, so a slow pipeline fetches slowly. It holds at most one fetch per
 * input partition (`maxPartitionFetchBytes`, decoded) plus the batch in process and that batch's outputs.
 *
 * What a commit guarantees (see `TaskWriter`):
 *   1. a batch completes only when all its outputs (sinks, repartition topics, late-record topics)
 *      were acknowledged by the log;
 *   2. on commit, every state change since the last commit is written to the changelog, then the
 *      input offsets (one past the last record processed) are committed — in exactly-once mode in
 *      the same transaction as the outputs, so all of it becomes visible to read_committed readers
 *      at once or, after a crash, none of it (the task's next owner aborts the open transaction and
 *      processes the input again from the committed offsets, with the stores restored read_committed);
 *      at-least-once, in that order, so a committed offset never covers an input whose effects
 *      could be lost — but after a crash the input since the last commit is processed again.
 *
 * Closing windows (`closeWindows`, at the end of a bounded input): the request is a flag the loop
 * handles between batches, so it never runs beside one. The task commits right after, so the
 * moved stream time is in the changelog and a restart does not emit the final results again.
 *
 * Concurrency: the loop runs alone; `enqueue` (from the poll loop), `closeWindows` and `close` may
 * be called at any time and only touch the queue and flags.
 */
import {
  createConsumer,
  recordBytes,
  type Cluster,
  type CommittedOffset,
  type Consumer,
  type OffsetCommitEntry,
  type Producer,
  type ProducerRecord,
  type TopicPartition,
} from '../../core/index.js';
import type { InputRecord } from '../processor/source-reader.js';
import type { TaskEnvironment } from '../processor/task-environment.js';
import { TaskProcessor } from '../processor/task-processor.js';
import type { ResolvedAppOptions } from './app-options.js';
import { commitChannel, lagChannel, recordsInChannel, taskChannel } from './diagnostics.js';
import type { OffsetCommitter } from './offset-committer.js';
import { restoreStore } from './state-restorer.js';
import { countByTopic, type AppCounters } from './task-context.js';
import { createTaskWriter, type TaskWriter } from './task-writer.js';
import { TaskInputQueue } from './task-input-queue.js';
import { taskName, type ResolvedTopology, type TaskId } from './topology-resolver.js';

export interface StreamTaskContext {
  readonly cluster: Cluster;
  readonly resolved: ResolvedTopology;
  readonly options: ResolvedAppOptions;
  readonly producer: Producer<Uint8Array | string, Uint8Array | string>;
  readonly env: Omit<TaskEnvironment, 'taskId' | 'partition' | 'sourceTopics'>;
  readonly onError: (task: StreamTask, error: unknown) => void;
  readonly metrics: Pick<AppCounters, 'recordsFetched' | 'recordsIn' | 'recordsInByTopic' | 'commits' | 'restoredRecords'>;
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * The positions after a batch — one past its last record, per input partition — and its record
 * count per topic. Records of one partition come in runs (a batch interleaves partitions by time).
 */
function batchEnds(batch: readonly InputRecord[]): { positions: Map<string, number>; counts: Map<string, number> } {
  const positions = new Map<string, number>();
  const counts = new Map<string, number>();
  let last = batch[0];
  let run = 1;
  for (let i = 1; i < batch.length; i++) {
    const r = batch[i];
    if (r.partition !== last.partition || r.topic !== last.topic) {
      positions.set(tpKey(last), last.offset + 1);
      countByTopic(counts, last.topic, run);
      run = 0;
    }
    last = r;
    run++;
  }
  positions.set(tpKey(last), last.offset + 1);
  countByTopic(counts, last.topic, run);
  return { positions, counts };
}

export class StreamTask {
  readonly id: TaskId;
  readonly name: string;
  readonly partitions: readonly TopicPartition[];
  readonly processor: TaskProcessor;
  readonly queue = new TaskInputQueue();
  readonly #ctx: StreamTaskContext;
  #consumer: Consumer | null = null;
  readonly #committer: OffsetCommitter;
  /** How outputs, changelogs and offsets reach the log (one transaction per commit, exactly-once); created by `initWriter`. */
  #writer: TaskWriter | null = null;
  /** Next offset to process, per input partition. */
  readonly #positions = new Map<string, number>();
  readonly #committed = new Map<string, number>();
  #loop: Promise<void> | null = null;
  #stopping = false;
  #lastCommitMs = Date.now();
  #processedSinceCommit = false;
  #failed: unknown = null;
  /** The input partition of the last record processed (null: none since the task was created or resumed). */
  #lastInput: TopicPartition | null = null;
  #closeRequest: { promise: Promise<number>; resolve: (emitted: number) => void; reject: (err: unknown) => void } | null = null;
  /** Changelog end offsets when the task was suspended (to know whether its state is still current). */
  changelogEnds: Map<string, number> | null = null;

  constructor(ctx: StreamTaskContext, id: TaskId, partitions: readonly TopicPartition[], committer: OffsetCommitter) {
    this.#ctx = ctx;
    this.#committer = committer;
    this.id = id;
    this.name = taskName(id);
    this.partitions = partitions;
    const sub = ctx.resolved.subtopologies[id.subtopology];
    this.processor = new TaskProcessor(
      sub.subtopology,
      {
        ...ctx.env,
        // Through the task's writer: in exactly-once mode, the outputs join the task's transaction.
        collector: { send: (topic, records) => this.#writer!.collector.send(topic, records), partitionCount: (topic) => ctx.env.collector.partitionCount(topic) },
        taskId: this.name,
        partition: id.partition,
        sourceTopics: (nodeId) => sub.sourceTopics.get(nodeId) ?? [],
      },
    );
    this.#publish('created');
  }

  get failed(): unknown {
    return this.#failed;
  }

  /** Next offset to process per input partition (known after `initPositions`). */
  positions(): Map<string, number> {
    return new Map(this.#positions);
  }

  /**
   * Takes over the task's writer — in exactly-once mode its transactional id, which fences the
   * task's previous owner and aborts what it left open. Call before `restore` and before reading
   * the committed offsets.
   */
  async initWriter(): Promise<void> {
    const ctx = this.#ctx;
    this.#writer ??= createTaskWriter(ctx.options.processingGuarantee, {
      cluster: ctx.cluster,
      applicationId: ctx.options.applicationId,
      taskName: this.name,
      shared: ctx.producer,
      committer: this.#committer,
      partitionCount: (topic) => ctx.env.collector.partitionCount(topic),
    });
    await this.#writer.init();
  }

  /** Rebuilds every store of the task from its changelog partition. */
  async restore(): Promise<number> {
    let restored = 0;
    for (const store of this.processor.stores.values()) {
      restored += await restoreStore(this.#ctx.cluster, store, this.#ctx.resolved.changelogTopic(store.name), this.id.partition);
    }
    this.#ctx.metrics.restoredRecords += restored;
    this.#publish('restored', { restoredRecords: restored });
    return restored;
  }

  /**
   * Takes the committed offsets (and their metadata) as the starting positions; partitions
   * without a committed offset start at `autoOffsetReset`.
   */
  initPositions(committed: readonly CommittedOffset[]): void {
    this.#positions.clear();
    this.#committed.clear();
    this.#lastInput = null;
    this.queue.clear();
    void this.#consumer?.close();
    const consumer = createConsumer(this.#ctx.cluster, {
      autoOffsetReset: this.#ctx.options.autoOffsetReset,
      maxPollRecords: this.partitions.length === 1 ? this.#ctx.options.maxBatchRecords : Number.MAX_SAFE_INTEGER,
      maxPartitionFetchBytes: this.#ctx.options.maxPartitionFetchBytes,
      pollTimeoutMs: this.#ctx.options.pollTimeoutMs,
      // Exactly-once: upstream tasks write repartition topics in transactions.
      isolationLevel: this.#ctx.options.processingGuarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted',
    });
    consumer.assign(this.partitions);
    this.#consumer = consumer;
    for (const c of committed) {
      this.#positions.set(tpKey(c), c.offset);
      this.#committed.set(tpKey(c), c.offset);
      consumer.seek(c, c.offset);
    }
  }

  start(): void {
    this.#stopping = false;
    this.#lastCommitMs = Date.now();
    this.#loop = this.#run();
  }

  /**
   * Stops the loop after the batch in progress, then (with `commit`) writes the changelogs and
   * commits. Unprocessed queued records are dropped: they are fetched again from the committed
   * offset by whoever runs the task next.
   */
  async close(commit: boolean): Promise<void> {
    this.#stopping = true;
    // Ends a poll waiting for records; a batch in process finishes first.
    await this.#consumer?.close();
    await this.#loop;
    this.#loop = null;
    this.processor.close();
    // A request the loop did not get to: nothing was closed.
    this.#settleCloseRequest(0);
    this.queue.clear();
    try {
      if (commit && this.#failed === null) await this.commit();
      else await this.#writer?.abort();
    } finally {
      const writer = this.#writer;
      this.#writer = null;
      await writer?.close().catch(() => {});
    }
    this.#publish('closed', { committed: commit });
  }

  /**
   * Closes every window of the task's `onWindowClose` aggregations after the batch in progress
   * (see the class comment), then commits; resolves with the number of final results emitted (0 when
   * the task stops first). Meant for when the input is drained: queued records not processed yet
   * come after the close and may be late.
   */
  closeWindows(): Promise<number> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (this.#loop === null || this.#stopping) return Promise.resolve(0);
    if (this.#closeRequest === null) {
      let resolve!: (emitted: number) => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
      this.#closeRequest = { promise, resolve, reject };
    }
    return this.#closeRequest.promise;
  }

  async #run(): Promise<void> {
    const { options } = this.#ctx;
    try {
      while (!this.#stopping) {
        if (this.queue.size < options.maxBatchRecords) {
          // Wait for records only when there is nothing to process and no commit is due.
          const due = this.#processedSinceCommit ? this.#lastCommitMs + options.commitIntervalMs - Date.now() : options.pollTimeoutMs;
          const wait = this.queue.size > 0 || this.#closeRequest !== null ? 0 : Math.max(0, Math.min(options.pollTimeoutMs, due));
          if (this.#stopping) break;
          await this.#fetch(wait);
          if (this.#stopping) break;
        }
        // Records are handled by helpers, not held in this frame: a suspended async function
        // keeps its locals alive, and a batch held across the wait for its outputs' acknowledgement
        // survives garbage collections it need not survive.
        const processing = this.#processNext();
        if (processing !== null) await processing;
        if (this.processor.wallClockDue(Date.now()) && !this.#stopping) await this.#punctuate();
        if (this.#closeRequest !== null && !this.#stopping) await this.#closeWindows();
        if (this.#processedSinceCommit && Date.now() >= this.#lastCommitMs + options.commitIntervalMs) await this.commit();
      }
    } catch (err) {
      this.#failed = err;
      // Exactly-once: nothing of the failed batch (or the rest of the transaction) becomes visible.
      await this.#writer?.abort().catch(() => {});
      this.#closeRequest?.reject(err);
      this.#closeRequest = null;
      this.#ctx.onError(this, err);
    }
  }

  async #closeWindows(): Promise<void> {
    const tp = this.#lastInput ?? this.partitions[0];
    const position = this.#positions.get(tpKey(tp)) ?? 0;
    const emitted = await this.processor.closeWindows({ topic: tp.topic, partition: tp.partition, offset: Math.max(position - 1, 0) });
    await this.commit();
    this.#settleCloseRequest(emitted);
  }

  /** Fires the due wall-clock punctuations of `process()` nodes (between batches). */
  async #punctuate(): Promise<void> {
    const tp = this.#lastInput ?? this.partitions[0];
    const position = this.#positions.get(tpKey(tp)) ?? 0;
    await this.processor.punctuate(Date.now(), { topic: tp.topic, partition: tp.partition, offset: Math.max(position - 1, 0) });
    this.#processedSinceCommit = true;
  }

  #settleCloseRequest(emitted: number): void {
    this.#closeRequest?.resolve(emitted);
    this.#closeRequest = null;
  }

  async #fetch(timeoutMs: number): Promise<void> {
    const fetched = await this.#consumer!.poll({ timeoutMs });
    if (this.#stopping) return;
    this.#ctx.metrics.recordsFetched += fetched.length;
    this.#enqueue(fetched);
    this.#advancePastMarkers();
  }

  /**
   * Moves the position of each partition with nothing left to process to the consumer's, which is
   * past the transaction markers after the last record (else a read_committed input would always
   * show a committed offset one marker short of its end).
   */
  #advancePastMarkers(): void {
    for (const tp of this.partitions) {
      if (!this.queue.isEmpty(tp)) continue;
      const k = tpKey(tp);
      const position = this.#positions.get(k);
      const drained = this.#consumer!.drainedPosition(tp);
      if (drained === null || (position !== undefined && drained <= position)) continue;
      this.#positions.set(k, drained);
      this.#processedSinceCommit = true;
    }
  }

  /** Processes the next batch, then moves the positions past it; null when nothing is queued. */
  #processNext(): Promise<void> | null {
    const batch = this.queue.take(this.#ctx.options.maxBatchRecords);
    const count = batch.length;
    if (count === 0) return null;
    const ends = batchEnds(batch);
    const lastInput = { topic: batch[count - 1].topic, partition: batch[count - 1].partition };
    const bytes = recordsInChannel.hasSubscribers ? recordBytes(batch) : 0;
    return this.processor.process(batch).then(() => {
      for (const [k, position] of ends.positions) this.#positions.set(k, position);
      this.#advancePastMarkers();
      this.#lastInput = lastInput;
      this.#processedSinceCommit = true;
      this.#ctx.metrics.recordsIn += count;
      for (const [topic, n] of ends.counts) countByTopic(this.#ctx.metrics.recordsInByTopic, topic, n);
      if (recordsInChannel.hasSubscribers) recordsInChannel.publish({ applicationId: this.#ctx.options.applicationId, taskId: this.name, count, queued: this.queue.size, bytes });
    });
  }

  /** Splits a poll's records (contiguous per partition) into the per-partition queues. */
  #enqueue(records: InputRecord[]): void {
    let start = 0;
    for (let i = 1; i <= records.length; i++) {
      if (i < records.length && records[i].partition === records[start].partition && records[i].topic === records[start].topic) continue;
      this.queue.push(start === 0 && i === records.length ? records : records.slice(start, i));
      start = i;
    }
  }

  /** Writes the stores' changes to their changelogs, then commits the input offsets. */
  async commit(): Promise<void> {
    const { resolved, options } = this.#ctx;
    // Timed only for a listener (undefined when none was there at the start).
    const startedMs = commitChannel.hasSubscribers ? performance.now() : undefined;
    const changelogs: ProducerRecord<Uint8Array | string, Uint8Array | string>[] = [];
    for (const { store, records } of this.processor.drainChangelogs()) {
      const topic = resolved.changelogTopic(store);
      for (const c of records) changelogs.push({ topic, partition: this.id.partition, key: c.key, value: c.value, headers: c.headers, timestamp: c.timestamp });
    }
    const changelogRecords = changelogs.length;
    const offsets: OffsetCommitEntry[] = [];
    for (const tp of this.partitions) {
      const k = tpKey(tp);
      const position = this.#positions.get(k);
      if (position === undefined || position === this.#committed.get(k)) continue;
      offsets.push({ topic: tp.topic, partition: tp.partition, offset: position });
    }
    await this.#writer!.commit(changelogs, offsets);
    for (const o of offsets) this.#committed.set(tpKey(o), o.offset);
    this.#lastCommitMs = Date.now();
    this.#processedSinceCommit = false;
    this.#ctx.metrics.commits++;
    if (commitChannel.hasSubscribers) {
      const durationMs = startedMs === undefined ? undefined : performance.now() - startedMs;
      commitChannel.publish({ applicationId: options.applicationId, taskId: this.name, offsets, changelogRecords, durationMs });
    }
    if (lagChannel.hasSubscribers) {
      for (const tp of this.partitions) {
        const position = this.#positions.get(tpKey(tp));
        if (position === undefined) continue;
        const endOffset = await this.#ctx.cluster.listOffset(tp.topic, tp.partition, 'latest');
        lagChannel.publish({ applicationId: options.applicationId, taskId: this.name, topic: tp.topic, partition: tp.partition, position, endOffset, lag: endOffset - position });
      }
    }
  }

  /** Publishes a task event on `sluice:streams:task`. */
  publish(event: string, extra: Record<string, unknown> = {}): void {
    this.#publish(event, extra);
  }

  #publish(event: string, extra: Record<string, unknown> = {}): void {
    if (taskChannel.hasSubscribers) taskChannel.publish({ applicationId: this.#ctx.options.applicationId, taskId: this.name, event, ...extra });
  }
}
