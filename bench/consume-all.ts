/** The consuming side shared by the log benches: read a topic's partitions from the beginning. */
import { createConsumer, type Cluster, type ConsumerRecord } from '../core/index.js';

export interface ConsumeAllOptions {
  /** Called on each record. */
  check?: (r: ConsumerRecord) => void;
  /** How long a poll waits for data (0: an engine in this process has it at once; remote ones need longer). */
  pollTimeoutMs?: number;
  maxPollRecords?: number;
}

/**
 * Reads `expected` records from partitions 0..`partitions`-1 of `topic` with a default consumer
 * (Kafka's default max.poll.records, 500, unless given), calling `check` on each.
 * @throws when the consumer stalls before `expected` records
 */
export async function consumeAll(cluster: Cluster, topic: string, partitions: number, expected: number, options: ConsumeAllOptions = {}): Promise<number> {
  const { check, pollTimeoutMs = 0, maxPollRecords } = options;
  const consumer = createConsumer(cluster, maxPollRecords === undefined ? {} : { maxPollRecords });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  await consumer.seekToBeginning();
  let count = 0;
  while (count < expected) {
    const records = await consumer.poll({ timeoutMs: pollTimeoutMs });
    if (records.length === 0) throw new Error(`consumer stalled at ${count} records`);
    if (check) for (const r of records) check(r);
    count += records.length;
  }
  await consumer.close();
  return count;
}
