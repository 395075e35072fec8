/** Configuration of a streams application. */
import type { Cluster, OffsetResetPolicy, Serde } from '../../core/index.js';
import type { ProcessingGuarantee } from './task-writer.js';

export interface StreamsAppOptions {
  /**
   * Names the application: its consumer group, and the prefix of its internal topics
   * (`<applicationId>-<store>-changelog`, `<applicationId>-<name>-repartition`). Letters, digits,
   * `.`, `_` and `-`.
   */
  applicationId: string;
  /**
   * The engine to run on, from `openCluster` (embedded, or a remote cluster by its bootstrap
   * servers). The application uses it and leaves closing it to the caller.
   */
  cluster: Cluster;
  /** Serde of keys where the topology gives none (default: UTF-8 strings). */
  defaultKeySerde?: Serde<any>;
  /** Serde of values where the topology gives none (default: JSON). */
  defaultValueSerde?: Serde<any>;
  /**
   * Kafka Streams' `processing.guarantee`. `exactly_once_v2`: per task, outputs, changelog writes
   * and input offsets commit in one transaction, and everything is read read_committed — each
   * input's effects are seen exactly once. `at_least_once`: after a crash the input since the last
   * commit is processed again (outputs and state updates may repeat). Default: `exactly_once_v2`
   * for a topology with state stores (a repeated update would corrupt an aggregate for good),
   * `at_least_once` for a stateless one (a repeated output is a duplicate, not a wrong value, and
   * it saves the transaction per commit).
   */
  processingGuarantee?: ProcessingGuarantee;
  /**
   * How often a task writes its state changes to the changelogs and commits its input offsets
   * (default 1000 ms). Longer intervals write fewer changelog records (one per changed key per
   * commit) and reprocess more after a crash.
   */
  commitIntervalMs?: number;
  /**
   * Records per batch, i.e. per run of the RxJS pipeline (default 1000). A task fetches more only
   * when fewer than this many fetched records wait: the fetch-ahead bound.
   */
  maxBatchRecords?: number;
  /**
   * Bytes a task fetches per input partition at a time (default 512 KiB): with `maxBatchRecords`,
   * what bounds the records a task holds.
   */
  maxPartitionFetchBytes?: number;
  /** Where tasks without a committed offset start (default `'earliest'`, as Kafka Streams). */
  autoOffsetReset?: Exclude<OffsetResetPolicy, 'none'>;
  /** How long a task's fetch waits for new records (default 100 ms); also how often group membership is checked. */
  pollTimeoutMs?: number;
  /** Group membership (ignored with `partitions`). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Static membership: a restart within the session timeout keeps this instance's tasks without a rebalance. */
  groupInstanceId?: string;
  /** Called once when the application fails (a task's pipeline threw, a commit failed for good). */
  onError?: (error: Error) => void;
}

export interface StartOptions {
  /**
   * Run the tasks of these partition numbers (of every sub-topology) in this instance, without a
   * consumer group; offsets are committed for the group `applicationId` from outside the group.
   * Default: join the consumer group `applicationId` and run the tasks it assigns.
   */
  partitions?: readonly number[];
}

export interface ResolvedAppOptions {
  applicationId: string;
  defaultKeySerde: Serde<any>;
  defaultValueSerde: Serde<any>;
  commitIntervalMs: number;
  maxBatchRecords: number;
  maxPartitionFetchBytes: number;
  autoOffsetReset: 'earliest' | 'latest';
  pollTimeoutMs: number;
  processingGuarantee: ProcessingGuarantee;
}
