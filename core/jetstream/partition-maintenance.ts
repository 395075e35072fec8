/**
 * The JetStream engine's per-partition upkeep, run by `JetStreamCluster.runMaintenance` on the
 * engine's timer in every process: `retention.ms` for delete policies (a purge of the live
 * stream's head, keeping the last batch) and compaction passes for compact policies
 * (`partition-compactor.ts`, one process per partition at a time by lease), plus the partition's
 * log as readers see it (`PartitionLog`: the live stream and the current cleaned generation).
 */
import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { CleanedPrefixes } from './cleaned-prefix.js';
import { CompactionLeases } from './compaction-lease.js';
import { compactPartition, type CompactionContext, type PartitionCompactionResult } from './partition-compactor.js';
import { PartitionLog } from './partition-log.js';
import { PartitionStream, type StreamAccess } from './partition-stream.js';
import { cleanedStreamSubject, cleanedSubjectFilter, streamName, streamSubject } from './stream-names.js';
import type { TopicState, TopicTable } from './topic-table.js';

export interface PartitionMaintenanceOptions {
  access: StreamAccess;
  kv: KV;
  topics: TopicTable;
  /** The engine's stream and subject prefix. */
  prefix: string;
  /** How long a compaction lease lasts without renewal. */
  compactionLeaseMs: number;
  /** Kafka's `file.delete.delay.ms`. */
  fileDeleteDelayMs: number;
}

export class PartitionMaintenance {
  readonly #options: PartitionMaintenanceOptions;
  readonly #prefixes: CleanedPrefixes;
  readonly #leases: CompactionLeases;

  constructor(options: PartitionMaintenanceOptions) {
    this.#options = options;
    this.#prefixes = new CleanedPrefixes(options.kv);
    this.#leases = new CompactionLeases(options.kv, randomUUID(), options.compactionLeaseMs);
  }

  /** Follows the cleaned-prefix entries (see `CleanedPrefixes`). */
  start(): Promise<void> {
    return this.#prefixes.start();
  }

  stop(): void {
    this.#prefixes.stop();
  }

  /** The log of `state`'s partition `partition` (not cached: the engine keeps one per partition). */
  openLog(state: TopicState, partition: number): PartitionLog {
    const { prefix, access } = this.#options;
    const live = new PartitionStream(access, state.record.name, partition, streamName(prefix, state.record.name, partition), streamSubject(prefix, state.record.name, partition));
    return new PartitionLog(live, this.#prefixes, (cleaned) => this.#cleanedStream(state, partition, cleaned));
  }

  /**
   * Applies `retention.ms` (delete policies) and runs a compaction pass (compact policies) on one
   * partition at time `now`; the pass's result, or null for a delete-only topic.
   */
  async run(state: TopicState, partition: number, log: PartitionLog, now: number): Promise<PartitionCompactionResult | null> {
    const policy = state.config['cleanup.policy'];
    const retentionMs = state.config['retention.ms'];
    if (policy !== 'compact' && retentionMs >= 0) await log.purgeBefore((header) => header.maxTimestamp >= now - retentionMs);
    if (policy === 'delete') return null;
    return compactPartition(log, this.#compactionContext(state, partition), {
      now,
      deleteRetentionMs: state.config['delete.retention.ms'],
      minCleanableDirtyRatio: state.config['min.cleanable.dirty.ratio'],
      fileDeleteDelayMs: this.#options.fileDeleteDelayMs,
      retentionMs: policy === 'compact,delete' ? retentionMs : -1,
    });
  }

  /** After a topic's deletion: its partition's generation streams and cleaned-prefix entry. */
  async removePartition(topic: string, partition: number): Promise<void> {
    const { prefix, access } = this.#options;
    const stream = streamName(prefix, topic, partition);
    for await (const cleaned of access.jsm.streams.names(cleanedSubjectFilter(prefix, stream))) await access.jsm.streams.delete(cleaned).catch(() => false);
    await this.#prefixes.remove(stream);
  }

  /** A reader of generation stream `cleaned` of a partition. */
  #cleanedStream(state: TopicState, partition: number, cleaned: string): PartitionStream {
    const live = streamName(this.#options.prefix, state.record.name, partition);
    return new PartitionStream(this.#options.access, state.record.name, partition, cleaned, cleanedStreamSubject(this.#options.prefix, live, cleaned));
  }

  #compactionContext(state: TopicState, partition: number): CompactionContext {
    return {
      ...this.#options.access,
      prefixes: this.#prefixes,
      leases: this.#leases,
      prefix: this.#options.prefix,
      open: (cleaned) => this.#cleanedStream(state, partition, cleaned),
      streamConfig: (cleaned, subject) => ({
        ...this.#options.topics.streamConfig(state.record, state.config, partition),
        name: cleaned,
        subjects: [subject],
        description: `sluice topic ${state.record.name} partition ${partition}: compacted prefix`,
        max_bytes: -1,
      }),
    };
  }
}
