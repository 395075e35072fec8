/**
 * A running streams application: a topology executed as one task per input partition (per
 * sub-topology), in a consumer group named after the application id, so that more instances (or
 * processes) share the tasks. Tasks are created and destroyed by the group's rebalance callbacks.
 *
 * ## Processing guarantee: at-least-once, with exact aggregates
 *
 * - An input offset is committed only after every output derived from it was acknowledged by the
 *   log and every state change it caused was written to (and acknowledged by) its store's
 *   changelog topic `<appId>-<store>-changelog`.
 * - After a crash, a task restores its stores from their changelogs and processes again the input
 *   after its committed offset. Outputs of those records (sinks, `toStream()` updates) may be
 *   written a second time: consumers of output topics see at-least-once delivery.
 * - State, however, is updated exactly once per input record: each store entry records the last
 *   input offset applied to it (in its changelog record), and an aggregation skips a re-read record
 *   the restored entry already reflects; a repartition topic's records carry their upstream input
 *   position, and the downstream task drops copies written twice by a restarted upstream task. So
 *   the final value of every aggregate (count, reduce, aggregate, windowed) equals what one pass
 *   over the input would give — provided the topology is deterministic (the same input yields the
 *   same outputs in the same order) and the state of a task is written by one instance at a time.
 * - Not covered: side effects inside operators (they may run twice), and an instance that lost
 *   its group membership but keeps writing (a "zombie", e.g. after a long event-loop stall)
 *   while its task runs elsewhere.
 *
 * ## Backpressure and memory
 *
 * Each task fetches its own input partitions, and only when fewer than `maxBatchRecords` fetched
 * records wait; it runs one batch at a time and fetches the next only after that batch completed
 * (its outputs acknowledged). So a slow sink or asynchronous operator slows fetching, and the
 * records a task holds are bounded: one fetch per input partition (≤ 512 KiB of record batches,
 * decoded; `maxPartitionFetchBytes`) plus `maxBatchRecords` being processed, plus the outputs of that batch. The application
 * holds that times its tasks, plus its stores (kept in memory in full).
 *
 * @example
 *   const cluster = await openCluster({ dataDir: './data' }); // or { bootstrapServers: ['host:9092'] }
 *   const app = createStreamsApp(topology, { applicationId: 'word-count', cluster });
 *   await app.start();
 *   installShutdownHandlers(app);
 *   app.store<string, number>('word-counts').get('hello');
 */
import {
  createGroupConsumer,
  createProducer,
  InvalidConfigError,
  jsonSerde,
  stringSerde,
  type Cluster,
  type GroupConsumer,
  type Producer,
  type Serde,
  type TopicPartition,
} from '../../core/index.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { ReadOnlySessionStore } from '../state/session-store.js';
import type { ReadOnlyWindowStore } from '../state/window-store.js';
import type { Topology } from '../topology/topology.js';
import type { ResolvedAppOptions, StartOptions, StreamsAppOptions } from './app-options.js';
import { stateChannel } from './diagnostics.js';
import { TaskFailedError } from './task-failed-error.js';
import { groupCommitter, standaloneCommitter } from './offset-committer.js';
import { keyValueView, sessionView, windowView, type StoreLocator } from './store-views.js';
import type { StreamTask } from './stream-task.js';
import { createTaskContext, type AppCounters } from './task-context.js';
import { TaskManager } from './task-manager.js';
import { StreamsTaskAssignor } from './task-assignor.js';
import { GlobalStores } from './global-stores.js';
import { resolveTopology, type ResolvedTopology } from './topology-resolver.js';
import type { TaskStore } from '../processor/task-processor.js';
import { tpKey } from '../../core/index.js';

export type StreamsAppState = 'CREATED' | 'STARTING' | 'RUNNING' | 'REBALANCING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR';

export interface StreamsMetrics {
  /** Input records fetched by the tasks. */
  recordsFetched: number;
  /** Input records processed. */
  recordsIn: number;
  /** Records written to sinks, repartition and late-record topics. */
  recordsOut: number;
  lateRecords: number;
  /** Records an aggregation skipped for a null key or value. */
  skippedRecords: number;
  commits: number;
  restoredRecords: number;
  /** Input records processed, per input topic (repartition topics included). */
  recordsInByTopic: Record<string, number>;
  /** Records written, per output topic (sinks, repartition and late-record topics). */
  recordsOutByTopic: Record<string, number>;
  /** Tasks running in this instance now. */
  tasks: number;
}

const passthrough: Serde<Uint8Array | string> = { serialize: (v) => v, deserialize: (b) => b as Buffer };

export class StreamsApp {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly #options: StreamsAppOptions;
  readonly #resolvedOptions: ResolvedAppOptions;
  #state: StreamsAppState = 'CREATED';
  readonly #listeners = new Set<(to: StreamsAppState, from: StreamsAppState) => void>();
  #cluster: Cluster | null = null;
  #resolved: ResolvedTopology | null = null;
  #producer: Producer<Uint8Array | string, Uint8Array | string> | null = null;
  #group: GroupConsumer | null = null;
  #taskManager: TaskManager | null = null;
  #globals: GlobalStores | null = null;
  #pollLoop: Promise<void> | null = null;
  #wakePoll: (() => void) | null = null;
  #closing: Promise<void> | null = null;
  #error: Error | null = null;
  readonly #metrics: AppCounters = { recordsFetched: 0, recordsIn: 0, recordsOut: 0, lateRecords: 0, skippedRecords: 0, commits: 0, restoredRecords: 0, recordsInByTopic: new Map(), recordsOutByTopic: new Map() };

  constructor(topology: Topology, options: StreamsAppOptions) {
    if (!options.applicationId || !/^[A-Za-z0-9._-]+$/.test(options.applicationId)) {
      throw new InvalidConfigError(`applicationId "${options.applicationId}" must be non-empty ASCII letters, digits, ".", "_" or "-"`, 'applicationId');
    }
    if (!options.cluster) throw new InvalidConfigError('give the cluster to run on (openCluster(…))', 'cluster');
    // Exactly-once by default where there is state to keep exact and the engine has transactions.
    const transactions = options.cluster.supportsTransactions;
    const guarantee = options.processingGuarantee ?? (topology.stores.size > 0 && transactions ? 'exactly_once_v2' : 'at_least_once');
    if (guarantee === 'exactly_once_v2' && !transactions) {
      throw new InvalidConfigError('processingGuarantee "exactly_once_v2" needs an engine with transactions; this cluster has none (use "at_least_once")', 'processingGuarantee');
    }
    if (guarantee !== 'exactly_once_v2' && guarantee !== 'at_least_once') {
      throw new InvalidConfigError(`processingGuarantee must be "exactly_once_v2" or "at_least_once", got "${options.processingGuarantee}"`, 'processingGuarantee');
    }
    this.applicationId = options.applicationId;
    this.topology = topology;
    this.#options = options;
    const maxBatchRecords = positive(options.maxBatchRecords ?? 1000, 'maxBatchRecords');
    this.#resolvedOptions = {
      applicationId: options.applicationId,
      defaultKeySerde: options.defaultKeySerde ?? stringSerde,
      defaultValueSerde: options.defaultValueSerde ?? jsonSerde(),
      commitIntervalMs: nonNegative(options.commitIntervalMs ?? 1000, 'commitIntervalMs'),
      maxBatchRecords,
      maxPartitionFetchBytes: positive(options.maxPartitionFetchBytes ?? 512 * 1024, 'maxPartitionFetchBytes'),
      autoOffsetReset: options.autoOffsetReset ?? 'earliest',
      pollTimeoutMs: positive(options.pollTimeoutMs ?? 100, 'pollTimeoutMs'),
      processingGuarantee: guarantee,
    };
  }

  get state(): StreamsAppState {
    return this.#state;
  }

  /** Calls `listener(to, from)` on every state change; returns a function that removes it. */
  onStateChange(listener: (to: StreamsAppState, from: StreamsAppState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Counters since start. */
  metrics(): StreamsMetrics {
    const m = this.#metrics;
    return { ...m, recordsInByTopic: Object.fromEntries(m.recordsInByTopic), recordsOutByTopic: Object.fromEntries(m.recordsOutByTopic), tasks: this.#tasks.size };
  }

  get #tasks(): Map<string, StreamTask> {
    return this.#taskManager?.tasks ?? new Map();
  }

  /** The tasks running in this instance, with their input partitions. */
  localTasks(): { taskId: string; partitions: TopicPartition[] }[] {
    return [...this.#tasks.values()].map((t) => ({ taskId: t.name, partitions: t.partitions.map((tp) => ({ ...tp })) }));
  }

  /**
   * Records not processed yet in this instance's input partitions (end offset − position, summed);
   * records of an upstream transaction still open count as not processed, also when the in-process
   * repartition hop already handed them over (see `StreamTask.positions`).
   */
  async lag(): Promise<number> {
    let lag = 0;
    for (const n of (await this.lagByTopic()).values()) lag += n;
    return lag;
  }

  /** `lag()` per input topic (topics of this instance's tasks only). */
  async lagByTopic(): Promise<Map<string, number>> {
    const lag = new Map<string, number>();
    for (const task of this.#tasks.values()) {
      const positions = task.positions();
      for (const tp of task.partitions) {
        // The log end, not the last stable offset: records of an upstream transaction still open are
        // work to come (a caught-up check must not pass before they commit), and a position moves past
        // the markers, so a drained partition has no lag.
        const end = await this.#cluster!.listOffset(tp.topic, tp.partition, 'latest');
        const position = positions.get(tpKey(tp)) ?? (await this.#cluster!.listOffset(tp.topic, tp.partition, 'earliest'));
        lag.set(tp.topic, (lag.get(tp.topic) ?? 0) + Math.max(0, end - position));
      }
    }
    return lag;
  }

  /**
   * Starts the application: resolves and creates the internal topics, joins the group (or takes
   * the given partitions), restores the tasks' stores and starts processing. Resolves once the
   * first assignment's tasks are restored and running.
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#state !== 'CREATED') throw new InvalidConfigError(`application "${this.applicationId}" was already started`);
    this.#setState('STARTING');
    try {
      this.#cluster = this.#options.cluster;
      const cluster = this.#cluster;
      this.#resolved = await resolveTopology(this.topology, cluster, this.applicationId);
      this.#producer = createProducer(cluster, { lingerMs: 0, keySerde: passthrough, valueSerde: passthrough });
      const o = this.#resolvedOptions;
      const context = createTaskContext(cluster, this.#resolved, o, this.#producer, this.#metrics, (task, error) =>
        this.#fail(error instanceof Error ? error : new Error(String(error)), task),
      );
      // Global tables are read whole before any task runs (see GlobalStores).
      const globals = (this.#globals = new GlobalStores(this.topology.globalStores.values(), o.defaultKeySerde, o.defaultValueSerde));
      await globals.start(cluster, (err) => this.#fail(err));
      context.env.globalStore = (name) => globals.store(name);
      if (options.partitions !== undefined) {
        const wanted = new Set(options.partitions);
        this.#taskManager = new TaskManager(context, standaloneCommitter(cluster, this.applicationId));
        const tps = this.#resolved.tasks().filter((t) => wanted.has(t.partition)).flatMap((t) => this.#resolved!.inputPartitions(t));
        await this.#taskManager.add(tps);
      } else {
        let assigned!: () => void;
        const firstAssignment = new Promise<void>((resolve) => (assigned = resolve));
        const group: GroupConsumer = createGroupConsumer(cluster, {
          groupId: this.applicationId,
          groupInstanceId: this.#options.groupInstanceId,
          clientId: this.applicationId,
          topics: this.#resolved.sourceTopics(),
          enableAutoCommit: false,
          assignors: [new StreamsTaskAssignor(this.#resolved)],
          autoOffsetReset: o.autoOffsetReset,
          maxPollRecords: o.maxBatchRecords,
          pollTimeoutMs: o.pollTimeoutMs,
          sessionTimeoutMs: this.#options.sessionTimeoutMs,
          heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
          listener: {
            onPartitionsAssigned: async (partitions) => {
              // Tasks fetch their partitions with their own consumers; this one only keeps membership.
              group.pause(group.assignment());
              await this.#taskManager!.add(partitions);
              if (this.#state === 'REBALANCING' || this.#state === 'STARTING') this.#setState('RUNNING');
              assigned();
            },
            onPartitionsRevoked: async (partitions) => {
              if (this.#state === 'RUNNING') this.#setState('REBALANCING');
              await this.#taskManager!.remove(partitions, { commit: true, suspend: true });
            },
            onPartitionsLost: async (partitions) => {
              if (this.#state === 'RUNNING') this.#setState('REBALANCING');
              await this.#taskManager!.remove(partitions, { commit: false, suspend: false });
            },
          },
        });
        this.#group = group;
        this.#taskManager = new TaskManager(context, groupCommitter(group));
        this.#pollLoop = this.#runPollLoop();
        await Promise.race([firstAssignment, this.#pollLoop.then(() => this.#throwIfFailed())]);
      }
      this.#throwIfFailed();
      if ((this.#state as StreamsAppState) === 'STARTING') this.#setState('RUNNING');
    } catch (err) {
      this.#error ??= err as Error;
      await this.close().catch(() => {});
      throw err;
    }
  }

  /**
   * Stops processing gracefully: every task finishes its batch in progress, writes its state
   * changes to the changelogs and commits its offsets; the instance leaves the group (its tasks
   * move to the other instances) and, if it opened the cluster, closes it.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Closes every window of the `onWindowClose` aggregations of one sub-topology in this instance's
   * tasks, as the end of a bounded input does — the most upstream one that has windows to close:
   * each emits its final results, also for the windows stream time has not closed yet, and keeps
   * its stream time past them (records arriving later are late). Each task does so between two
   * batches, then commits. Resolves with the number of final results emitted (0: nothing left to
   * close). Call it again once those results were processed downstream (the application idle),
   * until it returns 0: sub-topologies reading them are closed only then, so none arrives late.
   * @throws the error of a task that failed.
   */
  async closeWindows(): Promise<number> {
    // One sub-topology per call, upstream first: the first whose tasks emit something. One
    // downstream is closed only once the caller saw everything idle after the closes before it —
    // once their final results reached it — so none of them arrives late.
    const tasks = [...this.#tasks.values()];
    for (const subtopology of this.#resolved?.upstreamFirst() ?? []) {
      const counts = await Promise.all(tasks.filter((t) => t.id.subtopology === subtopology).map((t) => t.closeWindows()));
      // Tasks sharing the in-process hop commit together (each commits itself otherwise).
      await this.#taskManager?.commit();
      const emitted = counts.reduce((sum, n) => sum + n, 0);
      if (emitted > 0) return emitted;
    }
    return 0;
  }

  /** Key-value store `name` (a table or a non-windowed aggregation), across this instance's tasks. */
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    // A global table is whole in every instance: no partition to locate.
    const global = this.#globals?.store(name);
    if (global !== undefined) return global as ReadOnlyKeyValueStore<K, V>;
    return keyValueView<K, V>(this.#locator(name, 'kv'));
  }

  /** Window store `name` (a tumbling or hopping windowed aggregation). */
  windowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    return windowView<K, V>(this.#locator(name, 'window'));
  }

  /** Session store `name` (a session-windowed aggregation). */
  sessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    return sessionView<K, V>(this.#locator(name, 'session'));
  }

  // --- internals ---

  #locator(name: string, type: 'kv' | 'window' | 'session'): StoreLocator {
    const spec = this.topology.stores.get(name);
    if (spec === undefined) throw new InvalidConfigError(`the topology has no store "${name}" (stores: ${[...this.topology.stores.keys()].join(', ') || 'none'})`);
    if (spec.type !== type) throw new InvalidConfigError(`store "${name}" is a ${spec.type} store, not ${type}`);
    const sub = this.topology.subtopologyOfStore(name)!;
    return {
      instances: () => {
        const out = new Map<number, TaskStore>();
        for (const t of this.#tasks.values()) if (t.id.subtopology === sub.id) out.set(t.id.partition, t.processor.stores.get(name)!);
        return out;
      },
      partitions: () => this.#resolved?.subtopologies[sub.id].taskCount ?? 1,
    };
  }

  #setState(to: StreamsAppState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    if (stateChannel.hasSubscribers) stateChannel.publish({ applicationId: this.applicationId, from, to });
    for (const l of this.#listeners) l(to, from);
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }

  /**
   * Keeps the group membership alive and reacts to rebalances (the group consumer runs its
   * listener inside `poll`). Its partitions stay paused: the tasks fetch them.
   */
  async #runPollLoop(): Promise<void> {
    const group = this.#group!;
    while (this.#closing === null && this.#error === null) {
      try {
        await group.poll({ timeoutMs: 0 });
      } catch (err) {
        if (this.#closing !== null) break;
        this.#fail(err as Error);
        break;
      }
      if (this.#closing === null) await this.#sleep(this.#resolvedOptions.pollTimeoutMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wakePoll = null;
        resolve();
      }
      this.#wakePoll = done;
    });
  }

  #fail(error: Error, task?: StreamTask): void {
    if (this.#error !== null) return;
    const failure = task ? new TaskFailedError(this.applicationId, task.name, error) : error;
    this.#error = failure;
    try {
      this.#options.onError?.(failure);
    } finally {
      void this.close().catch(() => {});
    }
  }

  async #close(): Promise<void> {
    if (this.#state !== 'CREATED') this.#setState('PENDING_SHUTDOWN');
    this.#wakePoll?.();
    try {
      if (this.#group) {
        // Revokes every partition (our listener closes the tasks with a commit), then leaves the group.
        await this.#group.close().catch(() => {});
      }
      await this.#pollLoop?.catch(() => {});
      // Standalone tasks, and any left after a failure.
      await this.#taskManager?.closeAll();
      await this.#globals?.close();
      await this.#producer?.close().catch(() => {});
    } finally {
      this.#setState(this.#error ? 'ERROR' : 'NOT_RUNNING');
    }
  }
}

function positive(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidConfigError(`${name} must be a positive integer, got ${n}`, name);
  return n;
}

function nonNegative(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidConfigError(`${name} must be a non-negative integer, got ${n}`, name);
  return n;
}

/** Creates an application running `topology`; call `start()`. */
export function createStreamsApp(topology: Topology, options: StreamsAppOptions): StreamsApp {
  return new StreamsApp(topology, options);
}
