/**
 * Runs a sub-topology for one task (one partition), one batch at a time.
 *
 * For each batch it instantiates the sub-topology as RxJS Observables — a `BatchSource` per source
 * node, the user's operators piped in between, the stateful operators over the task's stores, and
 * the sinks at the leaves — subscribes every leaf, pushes the batch's records into the sources in
 * order and completes them. The batch is done when every leaf has completed: every operator
 * (including asynchronous ones) has finished and every sink's records were acknowledged. State
 * changes stay in the stores; the caller writes them to the changelogs (`drainChangelogs`) before
 * it commits the batch's offsets.
 *
 * `closeWindows` runs the sub-topology the same way with no records, the final-result windowed
 * aggregations closing every window once their (empty) input completes (see `WindowClose`).
 *
 * Not reentrant: `process` and `closeWindows` must not be called before the previous call settled.
 */
import { merge, Observable, share, Subscription } from 'rxjs';
import { InvalidConfigError, type TopicPartition } from '../../core/index.js';
import type { RecordOrigin } from '../record.js';
import type { ChangelogRecord } from '../state/changelog-record.js';
import { JoinWindowStore } from '../state/join-window-store.js';
import { KeyValueStore } from '../state/key-value-store.js';
import { ProcessorWindowStore } from '../state/processor-window-store.js';
import { SessionStore } from '../state/session-store.js';
import { SlidingWindowStore } from '../state/sliding-window-store.js';
import { SubscriptionStore } from '../state/subscription-store.js';
import { SuppressionBuffer } from '../state/suppression-buffer.js';
import { WindowStore } from '../state/window-store.js';
import type { Subtopology } from '../topology/topology.js';
import type { AnyRecord, AnySerde, PipeNode, SinkNode, SplitNode, StoreSpec, TopologyNode } from '../topology/nodes.js';
import { isKeyChanging, isKeyPreserving, isRecordAtATime } from '../operators/key-preservation.js';
import { aggregate } from './aggregate.js';
import { BatchSource } from './batch-source.js';
import { fkForeignChange } from './fk-foreign-change.js';
import { fkResponseJoin } from './fk-response-join.js';
import { fkSubscribe } from './fk-subscribe.js';
import { fkSubscriptionJoin } from './fk-subscription-join.js';
import { globalJoin } from './global-join.js';
import { join } from './join.js';
import { LateRecords } from './late-records.js';
import { resolveSerde } from './resolve-serde.js';
import { sessionAggregate } from './session-aggregate.js';
import { sink, type SinkTarget } from './sink.js';
import { slidingWindowAggregate } from './sliding-window-aggregate.js';
import { suppress } from './suppress.js';
import { processRecords, ProcessorRuntime } from './processor-runtime.js';
import { streamJoin } from './stream-join.js';
import { tableAggregate } from './table-aggregate.js';
import { tableJoin } from './table-join.js';
import { tableMap } from './table-map.js';
import { tableRegroup } from './table-regroup.js';
import { SourceReader, type InputRecord } from './source-reader.js';
import { guardedPipe, keyDependentDownstream, type PipeGuard } from './pipe-guard.js';
import { materialize } from './table.js';
import type { TaskEnvironment } from './task-environment.js';
import { windowAggregate } from './window-aggregate.js';
import type { WindowClose } from './window-close.js';

export type TaskStore = KeyValueStore<unknown, unknown> | WindowStore<unknown, unknown> | SessionStore<unknown, unknown> | SuppressionBuffer<unknown, unknown> | JoinWindowStore | SubscriptionStore | ProcessorWindowStore<unknown, unknown>;

export class TaskProcessor {
  readonly subtopology: Subtopology;
  readonly env: TaskEnvironment;
  readonly stores = new Map<string, TaskStore>();
  /**
   * Largest event timestamp read so far (-Infinity before the first record): the task's stream time,
   * advanced as each record is pushed in (Kafka's `PartitionGroup.streamTime`).
   */
  streamTime = -Infinity;
  readonly #readers = new Map<string, SourceReader>();
  readonly #readersByNode = new Map<number, SourceReader>();
  readonly #sinks = new Map<number, SinkTarget>();
  /** The user processors of `process()` nodes, by node id, for the task's lifetime. */
  readonly #runtimes = new Map<number, ProcessorRuntime>();
  #prepared = false;

  constructor(subtopology: Subtopology, env: TaskEnvironment) {
    this.subtopology = subtopology;
    this.env = env;
    const key = env.defaultKeySerde;
    for (const source of subtopology.sources) {
      const reader = new SourceReader(source, resolveSerde(source.keySerde, key, key), resolveSerde(source.valueSerde, env.defaultValueSerde, key));
      this.#readersByNode.set(source.id, reader);
      for (const topic of env.sourceTopics(source.id)) this.addSourceTopic(source.id, topic);
    }
    for (const spec of subtopology.stores) this.stores.set(spec.name, this.#createStore(spec));
    for (const node of subtopology.sinks) {
      this.#sinks.set(node.id, {
        topic: node.repartition ? env.repartitionTopic(node.topic) : node.topic,
        keySerde: resolveSerde(node.keySerde, key, key),
        valueSerde: resolveSerde(node.valueSerde, env.defaultValueSerde, key),
        partitioner: node.partitioner,
        repartition: node.repartition !== null,
      });
    }
  }

  /**
   * Lets source node `nodeId` read `topic` as well: a topic matching the node's pattern that
   * appeared after the task was created.
   */
  addSourceTopic(nodeId: number, topic: string): void {
    if (this.#readers.has(topic)) throw new InvalidConfigError(`topic "${topic}" is read by two sources of the topology; read it once and share the stream`);
    this.#readers.set(topic, this.#readersByNode.get(nodeId)!);
  }

  /**
   * Lets the task's consumer decode the records of `topics` as it fetches them: when every source
   * reading them has the same key serde and value serde, returns those (and from then on the sources
   * take the records not handed over as decoded; see `SourceReader.inputDecoded`); otherwise null,
   * and records come as bytes.
   */
  decodeInputOf(topics: Iterable<string>): { keySerde: AnySerde; valueSerde: AnySerde } | null {
    const readers: SourceReader[] = [];
    let shared = true;
    for (const topic of topics) {
      const reader = this.#readers.get(topic);
      if (reader === undefined) shared = false;
      else readers.push(reader);
    }
    const first = readers[0];
    shared &&= first !== undefined && readers.every((r) => r.keySerde === first.keySerde && r.valueSerde === first.valueSerde);
    // Set either way: a reader must never take bytes as decoded after a consumer that gives bytes.
    for (const reader of readers) reader.inputDecoded = shared;
    return shared ? { keySerde: first!.keySerde, valueSerde: first!.valueSerde } : null;
  }

  /** Looks up what sinks with a custom partitioner and repartition sinks need (partition counts); call before `process`. */
  async prepare(): Promise<void> {
    for (const target of this.#sinks.values()) {
      if (target.partitioner !== undefined || target.repartition) target.partitionCount = await this.env.collector.partitionCount(target.topic);
    }
    this.#prepared = true;
  }

  /**
   * Runs one batch through the sub-topology; resolves when it completed (outputs acknowledged).
   * Consumes `batch`: it is emptied once its records are pushed, so that only the operators hold them.
   */
  process(batch: InputRecord[]): Promise<void> {
    if (!this.#prepared) return this.prepare().then(() => this.process(batch));
    if (batch.length === 0) return Promise.resolve();
    // Not an async function, so that no suspended frame holds the batch while its outputs wait
    // for acknowledgement.
    try {
      return this.#run(batch);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Closes every window of the sub-topology's `onWindowClose` aggregations, as the end of the input
   * does, and sends their final results downstream; resolves with how many the aggregations emitted
   * once everything they caused was acknowledged.
   * @param origin what the emitted records derive from (the task's input read last).
   */
  closeWindows(origin: RecordOrigin): Promise<number> {
    if (!this.#prepared) return this.prepare().then(() => this.closeWindows(origin));
    const closing = this.subtopology.nodes.some((n) => ((n.kind === 'window-aggregate' || n.kind === 'session-aggregate' || n.kind === 'sliding-aggregate') && n.emit === 'onWindowClose') || n.kind === 'suppress');
    if (!closing) return Promise.resolve(0);
    const close: WindowClose = { trigger: { key: null, value: null, timestamp: this.streamTime, headers: [], origin }, emitted: 0 };
    try {
      return this.#run([], close).then(() => close.emitted);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** True when a `process()` node has a wall-clock punctuation due at `now`. */
  wallClockDue(now: number): boolean {
    for (const runtime of this.#runtimes.values()) if (runtime.wallClockDue(now)) return true;
    return false;
  }

  /**
   * Fires the wall-clock punctuations due at `now` (in a batch of no records, so that what they
   * forward flows downstream as usual); resolves with how many fired once their outputs were
   * acknowledged. Call between batches.
   * @param origin what the forwarded records derive from (the task's input read last).
   */
  punctuate(now: number, origin: RecordOrigin): Promise<number> {
    if (!this.wallClockDue(now)) return Promise.resolve(0);
    if (!this.#prepared) return this.prepare().then(() => this.punctuate(now, origin));
    const wallClock = { now, trigger: { key: null, value: null, timestamp: now, headers: [], origin }, fired: 0 };
    try {
      return this.#run([], null, wallClock).then(() => wallClock.fired);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Closes the user processors (`Processor.close`). */
  close(): void {
    for (const runtime of this.#runtimes.values()) runtime.close();
  }

  /** Every store's changes since the last call: what to write to the changelogs before a commit. */
  drainChangelogs(): { store: string; records: ChangelogRecord[] }[] {
    const out: { store: string; records: ChangelogRecord[] }[] = [];
    for (const store of this.stores.values()) {
      const records = store.drainChangelog();
      if (records.length > 0) out.push({ store: store.name, records });
    }
    return out;
  }

  /** Per pipe node: null when every operator is record-at-a-time, else what its guard checks. */
  readonly #guards = new Map<number, PipeGuard | null>();

  #guardOf(node: PipeNode): PipeGuard | null {
    let guard = this.#guards.get(node.id);
    if (guard === undefined) {
      // Keys are checked where an unmarked operator is trusted to keep them and something depends on it.
      const trustsKeys = !node.ops.some(isKeyChanging) && !node.ops.every(isKeyPreserving);
      guard = node.ops.every(isRecordAtATime) ? null : { checkKeys: trustsKeys && keyDependentDownstream(node), operatorsChecked: false };
      this.#guards.set(node.id, guard);
    }
    return guard;
  }

  #createStore(spec: StoreSpec): TaskStore {
    const key = this.env.defaultKeySerde;
    const keySerde: AnySerde = resolveSerde(spec.keySerde, key, key);
    const valueSerde: AnySerde = resolveSerde(spec.valueSerde, this.env.defaultValueSerde, key);
    if (spec.type === 'kv') return new KeyValueStore(spec.name, keySerde, valueSerde);
    if (spec.type === 'suppression') return new SuppressionBuffer(spec.name, keySerde, valueSerde);
    if (spec.type === 'window') return spec.windows?.kind === 'sliding' ? new SlidingWindowStore(spec.name, keySerde, valueSerde) : new WindowStore(spec.name, keySerde, valueSerde);
    if (spec.type === 'subscription') return new SubscriptionStore(spec.name, keySerde, resolveSerde(spec.primaryKeySerde, key, key));
    if (spec.type === 'processor-window') return new ProcessorWindowStore(spec.name, keySerde, valueSerde, (spec.windows as { sizeMs: number }).sizeMs, spec.retentionMs!);
    if (spec.type === 'join-window') return new JoinWindowStore(spec.name, keySerde, valueSerde, resolveSerde(spec.otherValueSerde, this.env.defaultValueSerde, key));
    return new SessionStore(spec.name, keySerde, valueSerde);
  }

  /**
   * Reads each input record of `batch` as its source does and pushes it in, then empties `batch` (so
   * that only the operators hold records); with `close`, the windowed aggregations then close their windows.
   */
  #run(batch: InputRecord[], close: WindowClose | null = null, wallClock: Parameters<typeof processRecords>[1] = null): Promise<void> {
    const sub = this.subtopology;
    const env = this.env;
    const subjects = new Map<number, BatchSource<AnyRecord>>();
    const splits = new Map<number, BatchSource<AnyRecord>[]>();
    const memo = new Map<number, Observable<AnyRecord>>();
    const subscriptions = new Subscription();

    const store = <S extends TaskStore>(name: string): S => this.stores.get(name) as S;
    const lateRecords = (storeName: string, topic: string | null, valueSerde: AnySerde): LateRecords => {
      const spec = this.subtopology.stores.find((s) => s.name === storeName)!;
      return new LateRecords(env, storeName, topic, resolveSerde(spec.keySerde, env.defaultKeySerde, env.defaultKeySerde), valueSerde);
    };

    const splitOutputs = (node: SplitNode): BatchSource<AnyRecord>[] => {
      let outputs = splits.get(node.id);
      if (outputs !== undefined) return outputs;
      const branches = node.predicates.length + (node.withDefault ? 1 : 0);
      const subjectsOut: BatchSource<AnyRecord>[] = Array.from({ length: branches }, () => new BatchSource<AnyRecord>());
      outputs = subjectsOut;
      splits.set(node.id, outputs);
      subscriptions.add(
        instantiate(node.parents[0]).subscribe({
          next(r) {
            for (let i = 0; i < node.predicates.length; i++) {
              let match: boolean;
              try {
                match = node.predicates[i](r);
              } catch (err) {
                for (const s of subjectsOut) s.error(err);
                return;
              }
              if (match) return subjectsOut[i].next(r);
            }
            if (node.withDefault) subjectsOut[branches - 1].next(r);
          },
          error: (err) => subjectsOut.forEach((s) => s.error(err)),
          complete: () => subjectsOut.forEach((s) => s.complete()),
        }),
      );
      return outputs;
    };

    const build = (node: TopologyNode): Observable<AnyRecord> => {
      switch (node.kind) {
        case 'source': {
          const subject = new BatchSource<AnyRecord>();
          subjects.set(node.id, subject);
          return subject.observable;
        }
        case 'pipe': {
          const guard = this.#guardOf(node);
          if (guard === null) return node.ops.reduce<Observable<AnyRecord>>((o, op) => op(o) as Observable<AnyRecord>, instantiate(node.parents[0]));
          return guardedPipe(node, instantiate(node.parents[0]), guard);
        }
        case 'split':
          throw new Error('a split node is read through its branches');
        case 'branch':
          return splitOutputs(node.parents[0] as SplitNode)[node.index].observable;
        case 'merge':
          return merge(...node.parents.map(instantiate));
        case 'sink': {
          return sink(this.#sinks.get(node.id)!, env)(instantiate(node.parents[0]));
        }
        case 'aggregate':
          return aggregate(node, store(node.store.name), env)(instantiate(node.parents[0]));
        case 'window-aggregate': {
          const late = lateRecords(node.store.name, node.lateRecordsTopic, resolveSerde(node.inputValueSerde, env.defaultValueSerde, env.defaultKeySerde));
          return windowAggregate(node, store(node.store.name), late, env, close)(instantiate(node.parents[0]));
        }
        case 'session-aggregate': {
          const late = lateRecords(node.store.name, node.lateRecordsTopic, resolveSerde(node.inputValueSerde, env.defaultValueSerde, env.defaultKeySerde));
          return sessionAggregate(node, store(node.store.name), late, env, close)(instantiate(node.parents[0]));
        }
        case 'sliding-aggregate': {
          const late = lateRecords(node.store.name, node.lateRecordsTopic, resolveSerde(node.inputValueSerde, env.defaultValueSerde, env.defaultKeySerde));
          const valueSerde = resolveSerde(node.store.valueSerde, env.defaultValueSerde, env.defaultKeySerde);
          return slidingWindowAggregate(node, store(node.store.name), valueSerde, late, env, close)(instantiate(node.parents[0]));
        }
        case 'suppress':
          return suppress(node, store(node.store.name), close)(instantiate(node.parents[0]));
        case 'process': {
          let runtime = this.#runtimes.get(node.id);
          if (runtime === undefined) this.#runtimes.set(node.id, (runtime = new ProcessorRuntime(node, this.stores, env, this)));
          return processRecords(runtime, wallClock)(instantiate(node.parents[0]));
        }
        case 'table':
          return materialize(node, store(node.store.name))(instantiate(node.parents[0]));
        case 'join':
          return join(node, store(node.table.name))(instantiate(node.parents[0]));
        case 'table-map':
          return tableMap(node)(instantiate(node.parents[0]));
        case 'table-regroup':
          return tableRegroup(node)(instantiate(node.parents[0]));
        case 'table-aggregate':
          return tableAggregate(node, store(node.store.name), env)(instantiate(node.parents[0]));
        case 'stream-join':
          return streamJoin(node, store(node.store.name), env)(instantiate(node.parents[0]), instantiate(node.parents[1]));
        case 'global-join': {
          const global = env.globalStore?.(node.global.name);
          if (global === undefined) throw new InvalidConfigError(`global table "${node.global.name}" is not loaded in task ${env.taskId}`);
          return globalJoin(node, global)(instantiate(node.parents[0]));
        }
        case 'table-join':
          return tableJoin(node, store(node.left.name), store(node.right.name))(instantiate(node.parents[0]), instantiate(node.parents[1]));
        case 'fk-subscribe':
          return fkSubscribe(node, resolveSerde(node.left.valueSerde, env.defaultValueSerde, env.defaultKeySerde), resolveSerde(node.foreignKeySerde, env.defaultKeySerde, env.defaultKeySerde), env)(instantiate(node.parents[0]));
        case 'fk-subscription':
          return fkSubscriptionJoin(store(node.subscriptions.name), store(node.right.name))(instantiate(node.parents[0]));
        case 'fk-foreign-change':
          return fkForeignChange(store(node.subscriptions.name))(instantiate(node.parents[0]));
        case 'fk-response':
          return fkResponseJoin(node, store(node.left.name), resolveSerde(node.left.valueSerde, env.defaultValueSerde, env.defaultKeySerde))(instantiate(node.parents[0]));
      }
    };

    const instantiate = (node: TopologyNode): Observable<AnyRecord> => {
      let o = memo.get(node.id);
      if (o === undefined) {
        o = build(node);
        // A node read by several children runs once per batch for all of them.
        if (node.children.length > 1 && node.kind !== 'source') o = o.pipe(share());
        memo.set(node.id, o);
      }
      return o;
    };

    return new Promise<void>((resolve, reject) => {
      const leaves = sub.nodes.filter((n) => n.children.length === 0);
      let pending = leaves.length;
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        subscriptions.unsubscribe();
        reject(err);
      };
      try {
        for (const leaf of leaves) {
          subscriptions.add(
            instantiate(leaf).subscribe({
              error: fail,
              complete: () => {
                if (--pending === 0 && !failed) {
                  subscriptions.unsubscribe();
                  resolve();
                }
              },
            }),
          );
        }
        // Sources nothing downstream reads (every branch of theirs dropped) still get a subject.
        for (const source of sub.sources) if (!subjects.has(source.id)) instantiate(source);
        const runtimes = [...this.#runtimes.values()];
        let topic = '';
        let reader: SourceReader | undefined;
        let source: BatchSource<AnyRecord> | undefined;
        // Indexed: a `for…of` here allocated an iterator result per record. Each record is read just
        // before it is pushed: read all at once, they were all alive while the first went through.
        for (let i = 0; i < batch.length && !failed; i++) {
          const input = batch[i];
          if (input.topic !== topic) {
            topic = input.topic;
            reader = this.#readers.get(topic);
            if (reader === undefined) throw new InvalidConfigError(`task ${env.taskId} got a record of topic "${topic}", which none of its sources reads`);
            source = subjects.get(reader.node.id);
          }
          const record = reader!.read(input);
          if (record.timestamp > this.streamTime) this.streamTime = record.timestamp;
          source!.next(record);
          // As Kafka's task after each record: stream-time punctuation on the task's stream time.
          for (let r = 0; r < runtimes.length; r++) if (!failed) runtimes[r].punctuateStreamTime(record);
        }
        batch.length = 0;
        for (const subject of subjects.values()) subject.complete();
      } catch (err) {
        fail(err);
      }
    });
  }
}
