/** Reading and writing Sluice topics in the NATS suites. */
import { createConsumer, createProducer, type Cluster, type ConsumerRecord, type ProducerRecord } from '../../../core/index.js';

/** Every committed record of `topic` (read_committed: sources write in transactions), partition by partition, in offset order. */
export async function readTopic(cluster: Cluster, topic: string): Promise<ConsumerRecord[]> {
  const { partitions } = await cluster.describeTopic(topic);
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
  const out: ConsumerRecord[] = [];
  try {
    for (const p of partitions) {
      consumer.assign([{ topic, partition: p.partition }]);
      await consumer.seekToBeginning();
      const end = await cluster.listOffset(topic, p.partition, 'latest', { isolationLevel: 'read_committed' });
      while ((await consumer.position({ topic, partition: p.partition })) < end) {
        out.push(...(await consumer.poll({ timeoutMs: 100, maxRecords: 100_000 })));
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** How many records `topic` holds (log end − log start, summed). */
export async function topicSize(cluster: Cluster, topic: string): Promise<number> {
  try {
    const { partitions } = await cluster.describeTopic(topic);
    return partitions.reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0);
  } catch {
    return 0;
  }
}

/** Produces `records` (string keys and values) and waits for the acks. */
export async function produce(cluster: Cluster, records: ProducerRecord<string, string>[]): Promise<void> {
  const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
  await producer.send(records);
  await producer.close();
}
