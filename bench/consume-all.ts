/** The consuming side shared by the log benches: read a topic's partitions from the beginning. */
import { createConsumer, type Broker, type ConsumerRecord } from '../core/index.js';

/**
 * Reads `expected` records from partitions 0..`partitions`-1 of `topic` with a default consumer
 * (Kafka's default max.poll.records, 500), calling `check` on each.
 * @throws when the consumer stalls before `expected` records
 */
export async function consumeAll(cluster: Broker, topic: string, partitions: number, expected: number, check?: (r: ConsumerRecord) => void): Promise<number> {
  const consumer = createConsumer(cluster);
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  await consumer.seekToBeginning();
  let count = 0;
  while (count < expected) {
    const records = await consumer.poll({ timeoutMs: 0 });
    if (records.length === 0) throw new Error(`consumer stalled at ${count} records`);
    if (check) for (const r of records) check(r);
    count += records.length;
  }
  await consumer.close();
  return count;
}
