/** Helpers for connector tests: reading topics back, waiting for conditions, a fast retry policy. */
import { onTestFinished } from 'vitest';
import { createConsumer, type Cluster, type ConsumerRecord } from '../../core/index.js';
import { createConnectRuntime, type ConnectRuntime, type ConnectRuntimeOptions } from '../../connectors/connect-runtime.js';
import { exponentialBackoff } from '../../connectors/retry-policy.js';

export { waitFor } from '../helpers.js';

/** Every committed record of every partition of `topic` (read_committed: sources write in transactions), partition by partition, in offset order. */
export async function readTopic(cluster: Cluster, topic: string): Promise<ConsumerRecord[]> {
  const description = await cluster.describeTopic(topic);
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 100_000, isolationLevel: 'read_committed' });
  const out: ConsumerRecord[] = [];
  try {
    for (const p of description.partitions) {
      consumer.assign([{ topic, partition: p.partition }]);
      await consumer.seekToBeginning();
      const end = await cluster.listOffset(topic, p.partition, 'latest', { isolationLevel: 'read_committed' });
      while ((await consumer.position({ topic, partition: p.partition })) < end) {
        out.push(...(await consumer.poll({ timeoutMs: 50 })));
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** The values of `topic` as UTF-8 strings. */
export async function topicValues(cluster: Cluster, topic: string): Promise<string[]> {
  return (await readTopic(cluster, topic)).map((r) => r.value?.toString('utf8') ?? '<null>');
}


/** A runtime with a fast retry policy, closed when the test ends. */
export function testRuntime(cluster: Cluster, options: ConnectRuntimeOptions = {}): ConnectRuntime {
  const runtime = createConnectRuntime(cluster, { retryPolicy: exponentialBackoff({ initialMs: 10, maxMs: 50, jitter: 0 }), ...options });
  onTestFinished(() => runtime.close());
  return runtime;
}
