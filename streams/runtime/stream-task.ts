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
 * With the in-process hop (`joinHop`, when this process runs every task under exactly-once; see
 * `RepartitionHop`), the task reads its repartition partitions from what the upstream tasks hand
 * over, and commits only when the commit barrier says (`pause`, `commitOrFail`, `resume`).
 *
 * Closing windows (`closeWindows`, at the end of a bounded input): the request is a flag the loop
 * handles between batches, so it never runs beside one. The task commits right after (with the
 * hop, the caller commits every task), so the moved stream time is in the changelog and a restart
 * does not emit the final results again.
 *
 * Concurrency: the loop runs alone; `enqueue` (from the poll loop), `closeWindows` and `close` may
 * be called at any time and only touch the queue and flags.
 */
import {
  bytesSerde,
  createConsumer,
  SluiceError,
  type Cluster,
  type CommittedOffset,
  type Consumer,
  type Producer,
  type ProducerRecord,
  type Serde,
  type TopicPartition,
} from '../../core/index.js';
import type { InputRecord } from '../processor/source-reader.js';
import type { TaskEnvironment } from '../processor/task-environment.js';
import { TaskProcessor } from '../processor/task-processor.js';
import type { ResolvedAppOptions } from './app-options.js';
import { commitChannel, lagChannel, publishLag, recordsInChannel, taskChannel } from './diagnostics.js';
import type { OffsetCommitter } from './offset-committer.js';
import type { HopInbox } from './hop-inbox.js';
import { LoopGate } from './loop-gate.js';
import type { RepartitionHop } from './repartition-hop.js';
import { restoreStore } from './state-restorer.js';
import { batchEnds } from './batch-ends.js';
import { countByTopic, type AppCounters } from './task-context.js';
import { createTaskWriter, type TaskWriter } from './task-writer.js';
import { TaskInputQueue } from './task-input-queue.js';
import { TaskPositions } from './task-positions.js';
import { taskName, type ResolvedTopology, type TaskId } from './topology-resolver.js';
import { tpKey } from '../../core/index.js';

export interface StreamTaskContext {
  readonly cluster: Cluster;
  readonly resolved: ResolvedTopology;
  readonly options: ResolvedAppOptions;
  readonly producer: Producer<Uint8Array | string, Uint8Array | string>;
  readonly env: Omit<TaskEnvironment, 'taskId' | 'partition' | 'sourceTopics'>;
  readonly onError: (task: StreamTask, error: unknown) => void;
  readonly metrics: Pick<AppCounters, 'recordsFetched' | 'recordsIn' | 'recordsInByTopic' | 'commits' | 'restoredRecords'>;
}

export class StreamTask {
  readonly id: TaskId;
  readonly name: string;
  readonly partitions: readonly TopicPartition[];
  readonly processor: TaskProcessor;
  readonly queue = new TaskInputQueue();
  readonly #ctx: StreamTaskContext;
  #consumer: Consumer<unknown, unknown> | null = null;
  readonly #committer: OffsetCommitter;
  /** How outputs, changelogs and offsets reach the log (one transaction per commit, exactly-once); created by `initWriter`. */
  #writer: TaskWriter | null = null;
  /** Next offset to process, per input partition. */
  readonly #positions: TaskPositions;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #lastCommitMs = Date.now();
  #processedSinceCommit = false;
  #failed: unknown = null;
  /** The input partition of the last record processed (null: none since the task was created or resumed). */
  #lastInput: TopicPartition | null = null;
  #closeRequest: { promise: Promise<number>; resolve: (emitted: number) => void; reject: (err: unknown) => void } | null = null;
  /** The in-process hop of repartition topics, when this process runs every task (see `RepartitionHop`); commits then go through the barrier. */
  #hop: RepartitionHop | null = null;
  /** The repartition partitions this task reads through the hop. */
  #inbox: HopInbox | null = null;
  /** A stop between batches asked for by the commit barrier. */
  readonly #gate = new LoopGate();
  #loopDone = true;
  /** The loop is in a poll of its input (reading no hop partition): see `pause`. */
  #inPoll = false;
  /** Key and value bytes the task's consumer decoded since the last `sluice:streams:records-in` message. */
  #bytesIn = 0;
  /** Changelog end offsets when the task was suspended (to know whether its state is still current). */
  changelogEnds: Map<string, number> | null = null;

  constructor(ctx: StreamTaskContext, id: TaskId, partitions: readonly TopicPartition[], committer: OffsetCommitter) {
    this.#ctx = ctx;
    this.#committer = committer;
    this.id = id;
    this.name = taskName(id);
    this.partitions = partitions;
    this.#positions = new TaskPositions(partitions);
    const sub = ctx.resolved.subtopologies[id.subtopology];
    this.processor = new TaskProcessor(
      sub.subtopology,
      {
        ...ctx.env,
        // Through the task's writer: in exactly-once mode, the outputs join the task's transaction.
        collector: {
          send: (topic, records) => this.#writer!.collector.send(topic, records),
          sendRepartition: (topic, records, decoded) =>
            this.#hop !== null && this.#hop.carries(topic) ? this.#hop.send(this.#writer!, topic, records, decoded) : this.#writer!.collector.send(topic, records),
          partitionCount: (topic) => ctx.env.collector.partitionCount(topic),
        },
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

  /** True when the task processed something since its last commit. */
  get uncommitted(): boolean {
    return this.#processedSinceCommit;
  }

  /**
   * Joins the in-process hop (before `start`): the task's repartition outputs go through `hop`,
   * and — with `inbox` — it reads its hop partitions from there once it read them from the topic
   * up to where the hop began. Its commits are then the barrier's (`commitOrFail`).
   */
  joinHop(hop: RepartitionHop, inbox: HopInbox | null): void {
    this.#hop = hop;
    this.#inbox = inbox;
    if (inbox !== null) hop.register(inbox);
    this.#publish('hop', { partitions: inbox?.partitions() ?? [] });
  }

  /**
   * Resolves once the loop stopped between two batches — for a task reading hop partitions, once
   * nothing handed to it waits — or ended; it stays there until `resume`.
   */
  pause(): Promise<void> {
    if (this.#loopDone) return Promise.resolve();
    const { parked, fresh } = this.#gate.request();
    if (fresh) this.#publish('pausing');
    this.#inbox?.wakeUp();
    // A long poll of the input (up to `pollTimeoutMs`) cannot be cut short; the loop processes
    // nothing before it parks after the poll, so the barrier goes on now.
    if (this.#inPoll) this.#gate.standBy();
    return parked;
  }

  resume(): void {
    this.#gate.open();
  }

  /** `commit`, failing the task (its transaction aborted, the application told) when it throws. */
  async commitOrFail(): Promise<void> {
    try {
      await this.commit();
    } catch (err) {
      if (this.#failed === null) await this.#failWith(err);
      throw err;
    }
  }

  /**
   * Next offset to process per input partition (known after `initPositions`), as progress seen from
   * outside (`StreamsApp.lag`): records of an upstream transaction still open are work to come. A
   * partition read through the hop therefore shows its committed offset, not how far the task
   * processed: records handed over from an open upstream transaction are processed, but their
   * effects (this task's outputs, late-record side outputs, state) commit only with the barrier,
   * after that transaction. Showing the processed offset let a "caught up and committed" check
   * (lag 0, committed offsets at the last stable offset) pass while both transactions were open
   * — the clickstream example then read 3 of 4 late records.
   */
  positions(): Map<string, number> {
    const out = this.#positions.snapshot();
    for (const tp of this.#inbox?.partitions() ?? []) {
      const committed = this.#positions.committedOf(tp);
      if (committed === undefined) out.delete(tpKey(tp));
      else out.set(tpKey(tp), committed);
    }
    return out;
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
    this.#positions.reset(committed);
    this.#lastInput = null;
    this.queue.clear();
    void this.#consumer?.close();
    // Decoded as fetched (one pass over the bytes, no Buffer view per key and value) when the task's
    // sources share their serdes; else as bytes, which each source decodes. Bytes are counted as
    // decoded, for the records-in message.
    const serdes = this.processor.decodeInputOf(new Set(this.partitions.map((tp) => tp.topic)));
    const consumer = createConsumer<unknown, unknown>(this.#ctx.cluster, {
      keySerde: this.#counting(serdes?.keySerde ?? bytesSerde),
      valueSerde: this.#counting(serdes?.valueSerde ?? bytesSerde),
      autoOffsetReset: this.#ctx.options.autoOffsetReset,
      maxPollRecords: this.partitions.length === 1 ? this.#ctx.options.maxBatchRecords : Number.MAX_SAFE_INTEGER,
      maxPartitionFetchBytes: this.#ctx.options.maxPartitionFetchBytes,
      pollTimeoutMs: this.#ctx.options.pollTimeoutMs,
      // Exactly-once: upstream tasks write repartition topics in transactions.
      isolationLevel: this.#ctx.options.processingGuarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted',
    });
    consumer.assign(this.partitions);
    this.#consumer = consumer;
    for (const c of committed) consumer.seek(c, c.offset);
  }

  /** `serde`, counting the bytes it decodes into `#bytesIn`. */
  #counting(serde: Serde<unknown>): Serde<unknown> {
    const counted: Serde<unknown> = {
      serialize: (value) => serde.serialize(value),
      deserialize: (bytes) => {
        if (bytes !== null) this.#bytesIn += bytes.length;
        return serde.deserialize(bytes);
      },
    };
    const from = serde.deserializeFrom;
    if (from !== undefined) {
      counted.deserializeFrom = (bytes, start, end) => {
        this.#bytesIn += end - start;
        return from.call(serde, bytes, start, end);
      };
    }
    return counted;
  }

  start(): void {
    this.#stopping = false;
    this.#lastCommitMs = Date.now();
    this.#loopDone = false;
    this.#loop = this.#run();
  }

  /**
   * Stops the loop after the batch in progress, then (with `commit`) writes the changelogs and
   * commits. Unprocessed queued records are dropped: they are fetched again from the committed
   * offset by whoever runs the task next.
   */
  async close(commit: boolean): Promise<void> {
    this.#stopping = true;
    this.resume();
    this.#inbox?.close();
    // Ends a poll waiting for records; a batch in process finishes first.
    await this.#consumer?.close();
    await this.#loop;
    this.#loop = null;
    this.processor.close();
    // Read through the hop, everything handed over processed: the hop partitions' ends can be
    // committed. Not all processed: no offset there tells what was, so nothing is committed.
    const hopDrained = this.#hop !== null && this.#inbox !== null && this.#inbox.drained;
    const refused = commit && this.#inbox !== null && !hopDrained;
    // A task resumed later joins the hop of its next start, if any.
    this.#hop = null;
    // A request the loop did not get to: nothing was closed.
    this.#settleCloseRequest(0);
    this.queue.clear();
    try {
      if (commit && this.#failed === null && !refused) await this.commit(hopDrained);
      else await this.#writer?.abort();
      if (refused) throw new SluiceError('HOP_NOT_DRAINED', `task ${this.name}: closed with records handed over through the in-process hop not processed; not committed`);
    } finally {
      this.#inbox = null;
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
      while (!this.#stopping && this.#failed === null) {
        if (this.#gate.requested && (this.#inbox === null || this.#inbox.drained)) {
          await this.#gate.park();
          continue;
        }
        if (this.queue.size < options.maxBatchRecords) {
          // Wait for records only when there is nothing to process and no commit is due (the
          // barrier's commits are not this loop's to wait for).
          const due = this.#processedSinceCommit && this.#hop === null ? this.#lastCommitMs + options.commitIntervalMs - Date.now() : options.pollTimeoutMs;
          const wait = this.queue.size > 0 || this.#closeRequest !== null || this.#gate.requested ? 0 : Math.max(0, Math.min(options.pollTimeoutMs, due));
          if (this.#stopping) break;
          // A task reading no hop partition only polls: the barrier may count it stopped meanwhile.
          this.#inPoll = this.#inbox === null;
          try {
            await this.#fetch(wait);
          } finally {
            this.#inPoll = false;
          }
          if (this.#stopping) break;
          // A stop asked for during the poll (counted as stopped, see `pause`): park before
          // processing what it fetched. (A task reading hop partitions stops only once drained.)
          if (this.#gate.requested && this.#inbox === null) continue;
        }
        // Records are handled by helpers, not held in this frame: a suspended async function
        // keeps its locals alive, and a batch held across the wait for its outputs' acknowledgement
        // survives garbage collections it need not survive.
        const processing = this.#processNext();
        if (processing !== null) await processing;
        if (this.processor.wallClockDue(Date.now()) && !this.#stopping) await this.#punctuate();
        if (this.#closeRequest !== null && !this.#stopping) await this.#closeWindows();
        if (this.#hop === null && this.#processedSinceCommit && Date.now() >= this.#lastCommitMs + options.commitIntervalMs) await this.commit();
      }
    } catch (err) {
      await this.#failWith(err);
    } finally {
      this.#loopDone = true;
      // Upstream sends waiting for room, and a barrier waiting for this loop, go on.
      this.#inbox?.close();
      this.#gate.release();
    }
  }

  async #failWith(err: unknown): Promise<void> {
    this.#failed = err;
    // Exactly-once: nothing of the failed batch (or the rest of the transaction) becomes visible.
    await this.#writer?.abort().catch(() => {});
    this.#closeRequest?.reject(err);
    this.#closeRequest = null;
    this.#ctx.onError(this, err);
  }

  async #closeWindows(): Promise<void> {
    const tp = this.#lastInput ?? this.partitions[0];
    const position = this.#positions.get(tp) ?? 0;
    const emitted = await this.processor.closeWindows({ topic: tp.topic, partition: tp.partition, offset: Math.max(position - 1, 0) });
    this.#processedSinceCommit = true;
    // With the hop, the caller commits every task together (`TaskManager.commit`).
    if (this.#hop === null) await this.commit();
    this.#settleCloseRequest(emitted);
  }

  /** Fires the due wall-clock punctuations of `process()` nodes (between batches). */
  async #punctuate(): Promise<void> {
    const tp = this.#lastInput ?? this.partitions[0];
    const position = this.#positions.get(tp) ?? 0;
    await this.processor.punctuate(Date.now(), { topic: tp.topic, partition: tp.partition, offset: Math.max(position - 1, 0) });
    this.#processedSinceCommit = true;
  }

  #settleCloseRequest(emitted: number): void {
    this.#closeRequest?.resolve(emitted);
    this.#closeRequest = null;
  }

  async #fetch(timeoutMs: number): Promise<void> {
    const inbox = this.#inbox;
    // A task of one partition decodes only what fills its next batch: the rest of what was fetched
    // waits as bytes, not as records that every young-generation collection would copy meanwhile.
    // (With several partitions a poll takes what each has, so that the queue can order them by time.)
    const maxRecords = this.partitions.length === 1 ? Math.max(1, this.#ctx.options.maxBatchRecords - this.queue.size) : undefined;
    // Records handed over do not end a poll's wait: poll without one, and wait for them instead.
    const fetched = await this.#consumer!.poll({ timeoutMs: inbox === null ? timeoutMs : 0, maxRecords });
    if (this.#stopping) return;
    this.#ctx.metrics.recordsFetched += fetched.length;
    this.#enqueue(fetched);
    if (inbox !== null) {
      inbox.catchUp(this.#consumer!);
      // Not when the barrier asked for a stop during the poll: its wake-up came before this wait
      // began, and the barrier (and every task it stopped) would wait out the timeout.
      if (fetched.length === 0 && this.queue.size === 0 && timeoutMs > 0 && !this.#gate.requested && !this.#stopping) await inbox.wait(timeoutMs);
    }
    this.#advancePastMarkers();
  }

  #advancePastMarkers(): void {
    if (this.#positions.advancePastMarkers(this.#consumer!, this.queue)) this.#processedSinceCommit = true;
  }

  /** Processes the next batch, then moves the positions past it; null when nothing is queued. */
  #processNext(): Promise<void> | null {
    const batch = this.queue.take(this.#ctx.options.maxBatchRecords);
    const count = batch.length;
    if (count === 0) return null;
    const ends = batchEnds(batch);
    const lastInput = { topic: batch[count - 1].topic, partition: batch[count - 1].partition };
    // The bytes decoded since the last message: fetched records are decoded a little ahead of the batch.
    const bytes = this.#bytesIn;
    this.#bytesIn = 0;
    this.#inbox?.released();
    return this.processor.process(batch).then(() => {
      // A hop partition's position only grows (the barrier sets it to the end).
      this.#positions.advance(ends.positions, this.#inbox !== null);
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

  /**
   * Writes the stores' changes to their changelogs, then commits the input offsets.
   * @param hopDrained the task read through the hop and processed everything handed over: called
   *   by the barrier, every upstream transaction committed, so its hop partitions' positions are their ends
   */
  async commit(hopDrained = this.#hop !== null && this.#inbox !== null && this.#inbox.drained): Promise<void> {
    const { resolved, options } = this.#ctx;
    // Timed only for a listener (undefined when none was there at the start).
    const startedMs = commitChannel.hasSubscribers ? performance.now() : undefined;
    const changelogs: ProducerRecord<Uint8Array | string, Uint8Array | string>[] = [];
    for (const { store, records } of this.processor.drainChangelogs()) {
      const topic = resolved.changelogTopic(store);
      for (const c of records) changelogs.push({ topic, partition: this.id.partition, key: c.key, value: c.value, headers: c.headers, timestamp: c.timestamp });
    }
    const changelogRecords = changelogs.length;
    // Through the barrier, every upstream transaction writing the hop partitions just committed and
    // this task processed all they hold: its position there is the end (past the markers).
    if (hopDrained && this.#inbox !== null) {
      for (const tp of this.#inbox.partitions()) this.#positions.set(tp, await this.#ctx.cluster.listOffset(tp.topic, tp.partition, 'latest'));
    }
    const offsets = this.#positions.uncommitted();
    await this.#writer!.commit(changelogs, offsets);
    this.#positions.committed(offsets);
    this.#lastCommitMs = Date.now();
    // Through the barrier a poll may have ended meanwhile and moved a position past markers.
    this.#processedSinceCommit = this.#positions.uncommitted().length > 0;
    this.#ctx.metrics.commits++;
    if (commitChannel.hasSubscribers) {
      const durationMs = startedMs === undefined ? undefined : performance.now() - startedMs;
      commitChannel.publish({ applicationId: options.applicationId, taskId: this.name, offsets, changelogRecords, durationMs });
    }
    if (lagChannel.hasSubscribers) await publishLag(this.#ctx.cluster, options.applicationId, this.name, this.partitions, (tp) => this.#positions.get(tp));
  }

  /** Publishes a task event on `sluice:streams:task`. */
  publish(event: string, extra: Record<string, unknown> = {}): void {
    this.#publish(event, extra);
  }

  #publish(event: string, extra: Record<string, unknown> = {}): void {
    if (taskChannel.hasSubscribers) taskChannel.publish({ applicationId: this.#ctx.options.applicationId, taskId: this.name, event, ...extra });
  }
}
