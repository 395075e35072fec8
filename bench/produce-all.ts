/** The producing side shared by the log benches: pipelined chunks of sends, from one or more producers. */
import { createProducer, type Cluster, type ProducerRecord } from '../core/index.js';

export interface ProduceAllOptions<V> {
  /** How many records, numbered 0..records-1 and made by `record`. */
  records: number;
  record: (i: number) => ProducerRecord<string, V>;
  /** Records per `send` call. */
  chunk: number;
  /** Concurrent producers, each sending its share (default 1). */
  producers?: number;
  /** `send` (a `RecordMetadata` per record; the default) or the batch-first `sendBatch`. */
  api?: 'send' | 'sendBatch';
}

/** Sends every record, each producer keeping up to 64 sends outstanding, and closes the producers. */
export async function produceAll<V>(cluster: Cluster, options: ProduceAllOptions<V>): Promise<void> {
  const { records, record, chunk, producers = 1, api = 'send' } = options;
  const perProducer = Math.ceil(records / producers);
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      const producer = createProducer<string, V>(cluster);
      const pending: Promise<unknown>[] = [];
      for (let start = p * perProducer; start < Math.min(records, (p + 1) * perProducer); start += chunk) {
        const batch: ProducerRecord<string, V>[] = [];
        for (let i = start; i < Math.min(start + chunk, records); i++) batch.push(record(i));
        pending.push(api === 'send' ? producer.send(batch) : producer.sendBatch(batch));
        if (pending.length >= 64) await pending.shift();
      }
      await Promise.all(pending);
      await producer.close();
    }),
  );
}
