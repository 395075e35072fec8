/**
 * One ProduceRequest per broker for the batches produced to it in the same turn, as Kafka's Sender
 * drains every ready batch for a node into one request (up to max.request.size). The `Cluster`
 * seam produces one partition batch per call, and a producer seals and sends the batches of a
 * `send` in one synchronous run: those calls are gathered per connection over the turn
 * (`TurnQueue`) and written together, each batch answered with its own part of the response — its
 * error code and base offset — as if it had been sent alone.
 *
 * A request names each partition once, as Kafka's does: a second batch for a partition in the same
 * turn goes into the next request, written after it on the same connection, so a partition's
 * batches reach the broker in the order they were produced. A failed request (a disconnect) fails
 * every batch in it; each retries on its own.
 */
import { ProduceApi, type Message } from '../protocol/kafka/index.js';
import { partitionKey } from '../topic-partition-key.js';
import type { BrokerConnection } from './broker-connection.js';
import { answerEach, TurnQueue, UNKNOWN_SERVER_ERROR, type Queued } from './turn-queue.js';

/** Kafka's max.request.size default: a request is closed when the next batch would pass it. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface PartitionProduce {
  topic: string;
  partition: number;
  batch: Buffer;
  acks: number;
  /** Kafka's Produce carries one transactional id per request: batches of different ids go apart. */
  transactionalId: string | null;
  timeoutMs: number;
}

export class ProduceCoalescer {
  readonly #queue = new TurnQueue<PartitionProduce>((connection, queued) => {
    // Requests are written in order, synchronously: a partition's batches keep their order on the wire.
    for (const request of splitRequests(queued)) void send(connection, request);
  });

  /** Produces one batch to `connection`'s broker in this turn's request; resolves with its partition response. */
  produce(connection: BrokerConnection, produce: PartitionProduce): Promise<Message> {
    return this.#queue.add(connection, produce);
  }
}

async function send(connection: BrokerConnection, waiting: Queued<PartitionProduce>[]): Promise<void> {
  try {
    const topics = new Map<string, Message[]>();
    for (const { item: produce } of waiting) {
      const partitions = topics.get(produce.topic) ?? [];
      partitions.push({ index: produce.partition, records: produce.batch });
      topics.set(produce.topic, partitions);
    }
    const { acks, transactionalId, timeoutMs } = waiting[0].item;
    const r = await connection.send(ProduceApi, connection.version(ProduceApi, 9), {
      transactionalId,
      acks,
      timeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    });
    const answers = new Map<string, Message>();
    for (const t of r.responses as Message[]) for (const p of t.partitionResponses as Message[]) answers.set(partitionKey(t.name as string, p.index as number), p);
    answerEach(waiting, answers, (b) => ({ index: b.partition, errorCode: UNKNOWN_SERVER_ERROR, errorMessage: 'the broker did not answer this partition', baseOffset: -1 }));
  } catch (error) {
    for (const w of waiting) w.reject(error as Error);
  }
}

/**
 * The requests for one connection's queue, in order: a new one when the acks or the transactional
 * id differ, when the partition is already in the current one, or when the batch would take it
 * past max.request.size.
 */
function splitRequests(queue: Queued<PartitionProduce>[]): Queued<PartitionProduce>[][] {
  const requests: Queued<PartitionProduce>[][] = [];
  let current: Queued<PartitionProduce>[] = [];
  let keys = new Set<string>();
  let bytes = 0;
  for (const w of queue) {
    const key = partitionKey(w.item.topic, w.item.partition);
    const full = current.length > 0 && (keys.has(key) || w.item.acks !== current[0].item.acks || w.item.transactionalId !== current[0].item.transactionalId || bytes + w.item.batch.length > MAX_REQUEST_BYTES);
    if (full) {
      requests.push(current);
      current = [];
      keys = new Set();
      bytes = 0;
    }
    current.push(w);
    keys.add(key);
    bytes += w.item.batch.length;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
