/**
 * What every task of an application shares: the cluster, the resolved topology, the producer
 * (outputs, repartition records and changelogs all go through it), and the observer that turns
 * what processors report into metrics and diagnostics-channel messages.
 */
import type { Cluster, Producer } from '../../core/index.js';
import type { ProcessorObserver, RecordCollector } from '../processor/task-environment.js';
import type { ResolvedAppOptions } from './app-options.js';
import { lateChannel, recordsOutChannel } from './diagnostics.js';
import type { StreamTask, StreamTaskContext } from './stream-task.js';
import type { ResolvedTopology } from './topology-resolver.js';

export interface AppCounters {
  recordsFetched: number;
  recordsIn: number;
  recordsOut: number;
  lateRecords: number;
  skippedRecords: number;
  commits: number;
  restoredRecords: number;
  /** Records processed per input topic, and written per output topic (status lines per step). */
  recordsInByTopic: Map<string, number>;
  recordsOutByTopic: Map<string, number>;
}

/** Adds `n` to `topic`'s count. */
export function countByTopic(counts: Map<string, number>, topic: string, n: number): void {
  counts.set(topic, (counts.get(topic) ?? 0) + n);
}

export function createTaskContext(
  cluster: Cluster,
  resolved: ResolvedTopology,
  options: ResolvedAppOptions,
  producer: Producer<Uint8Array | string, Uint8Array | string>,
  metrics: AppCounters,
  onError: (task: StreamTask, error: unknown) => void,
): StreamTaskContext {
  const appId = options.applicationId;
  const collector: RecordCollector = {
    // Output records are producer records of bytes: sent as they are, without per-record metadata.
    send: (_topic, records) => producer.sendAll(records),
    partitionCount: (topic) => cluster.partitionCount(topic, { autoCreate: true }),
  };
  const observer: ProcessorObserver = {
    recordsOut: (taskId, topic, count, bytes) => {
      metrics.recordsOut += count;
      countByTopic(metrics.recordsOutByTopic, topic, count);
      if (recordsOutChannel.hasSubscribers) recordsOutChannel.publish({ applicationId: appId, taskId, topic, count, bytes: bytes() });
    },
    wantsBytes: () => recordsOutChannel.hasSubscribers,
    late: (info) => {
      metrics.lateRecords++;
      if (lateChannel.hasSubscribers) lateChannel.publish({ applicationId: appId, ...info });
    },
    skipped: (_taskId, _store, count) => {
      metrics.skippedRecords += count;
    },
  };
  return {
    cluster,
    resolved,
    options,
    producer,
    env: {
      defaultKeySerde: options.defaultKeySerde,
      defaultValueSerde: options.defaultValueSerde,
      repartitionTopic: (name) => resolved.repartitionTopic(name),
      collector,
      observer,
    },
    onError,
    metrics,
  };
}
