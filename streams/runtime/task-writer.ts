/**
 * How a task's writes reach the log, per processing guarantee:
 *
 * - `exactly_once_v2`: the task's outputs, its stores' changelog records and its input offsets
 *   go into one Kafka transaction per commit interval, through a transactional producer whose
 *   `transactional.id` is `<applicationId>-<task>`. Starting the task elsewhere (a rebalance, a
 *   restart after a crash) initializes the same id, which fences the previous owner and aborts
 *   whatever it left open, so a read_committed reader — the downstream task, a store restoring
 *   from its changelog, an application reading the output — sees each input's effects once.
 * - `at_least_once`: outputs and changelogs through the application's shared producer, then the
 *   offsets through the group; after a crash the input since the last commit is processed again.
 *
 * Concurrency: the task's loop calls `commit` and `abort` between batches; `collector.send` runs
 * while a batch is processed.
 */
import { createProducer, type Cluster, type OffsetCommitEntry, type ProduceReceipt, type Producer, type ProducerRecord } from '../../core/index.js';
import type { RecordCollector } from '../processor/task-environment.js';
import type { OffsetCommitter } from './offset-committer.js';

/** Kafka Streams' `transaction.timeout.ms` under exactly-once (10 s, below the client default of 60 s). */
const EOS_TRANSACTION_TIMEOUT_MS = 10_000;

type BytesProducer = Producer<Uint8Array | string, Uint8Array | string>;
type BytesRecord = ProducerRecord<Uint8Array | string, Uint8Array | string>;

export type ProcessingGuarantee = 'exactly_once_v2' | 'at_least_once';

export interface TaskWriter {
  /** Where the task's processor sends its outputs. */
  readonly collector: RecordCollector;
  /** Sends as `collector.send` does, resolving with where each record landed (partition and offset). */
  sendBatch(records: readonly BytesRecord[]): Promise<ProduceReceipt>;
  /** Takes over the task's transactional id (fencing a previous owner); before restoring or reading committed offsets. */
  init(): Promise<void>;
  /** Writes the changelog records and commits `offsets` — atomically, in exactly-once mode. */
  commit(changelogs: readonly BytesRecord[], offsets: readonly OffsetCommitEntry[]): Promise<void>;
  /** Drops what was written since the last commit (exactly-once); nothing to do at-least-once. */
  abort(): Promise<void>;
  close(): Promise<void>;
}

export interface TaskWriterOptions {
  cluster: Cluster;
  applicationId: string;
  taskName: string;
  /** The application's shared producer (at-least-once). */
  shared: BytesProducer;
  committer: OffsetCommitter;
  partitionCount: (topic: string) => Promise<number>;
}

export function createTaskWriter(guarantee: ProcessingGuarantee, options: TaskWriterOptions): TaskWriter {
  return guarantee === 'exactly_once_v2' ? new TransactionalTaskWriter(options) : atLeastOnceWriter(options);
}

function atLeastOnceWriter(options: TaskWriterOptions): TaskWriter {
  const { shared, committer } = options;
  return {
    collector: { send: (_topic, records) => shared.sendAll(records), partitionCount: options.partitionCount },
    sendBatch: (records) => shared.sendBatch(records),
    init: () => Promise.resolve(),
    async commit(changelogs, offsets) {
      if (changelogs.length > 0) await shared.sendAll(changelogs);
      if (offsets.length > 0) await committer.commit([...offsets]);
    },
    abort: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

class TransactionalTaskWriter implements TaskWriter {
  readonly collector: RecordCollector;
  readonly #producer: BytesProducer;
  readonly #groupId: string;
  #open = false;

  constructor(options: TaskWriterOptions) {
    const passthrough = { serialize: (v: Uint8Array | string) => v, deserialize: (b: Buffer | null) => b as Uint8Array };
    this.#producer = createProducer(options.cluster, {
      transactionalId: `${options.applicationId}-${options.taskName}`,
      transactionTimeoutMs: EOS_TRANSACTION_TIMEOUT_MS,
      lingerMs: 0,
      keySerde: passthrough,
      valueSerde: passthrough,
    });
    this.#groupId = options.applicationId;
    this.collector = {
      send: (_topic, records) => {
        this.#begin();
        return this.#producer.sendAll(records);
      },
      partitionCount: options.partitionCount,
    };
  }

  sendBatch(records: readonly BytesRecord[]): Promise<ProduceReceipt> {
    this.#begin();
    return this.#producer.sendBatch(records);
  }

  init(): Promise<void> {
    return this.#producer.initTransactions();
  }

  async commit(changelogs: readonly BytesRecord[], offsets: readonly OffsetCommitEntry[]): Promise<void> {
    if (!this.#open && changelogs.length === 0 && offsets.length === 0) return;
    this.#begin();
    if (changelogs.length > 0) await this.#producer.sendAll(changelogs);
    if (offsets.length > 0) await this.#producer.sendOffsetsToTransaction(offsets, { groupId: this.#groupId });
    await this.#producer.commitTransaction();
    this.#open = false;
  }

  async abort(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#producer.abortTransaction();
  }

  async close(): Promise<void> {
    await this.abort().catch(() => {});
    await this.#producer.close();
  }

  #begin(): void {
    if (this.#open) return;
    this.#producer.beginTransaction();
    this.#open = true;
  }
}
