/**
 * One FetchRequest per broker for the partitions asked of it in the same turn, as Kafka's Fetcher
 * sends one request per node with every partition it is fetching. The `Cluster` seam fetches one
 * partition per call, and a consumer calls it for all its partitions at once (and `RemoteFetcher`
 * keeps one fetch ahead per partition, started when an answer arrives — the answers of one
 * response all arrive in the same turn): those calls are gathered per connection over the turn
 * (`TurnQueue`) and sent together, each partition answered with its own part of the response —
 * its error code, records and watermarks — as if it had been asked alone.
 *
 * Only immediate fetches (max wait 0) are coalesced: a long poll holds its connection, so it keeps
 * a connection and a request of its own (`ClusterConnections.exclusive`). A failed request (a
 * disconnect) fails every partition in it; each retries on its own.
 */
import { FetchApi, type Message } from '../protocol/kafka/index.js';
import { partitionKey } from '../topic-partition-key.js';
import type { BrokerConnection } from './broker-connection.js';
import { answerEach, TurnQueue, UNKNOWN_SERVER_ERROR, type Queued } from './turn-queue.js';

/** One partition's part of a FetchRequest (v12 field names). */
export interface PartitionFetch {
  topic: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** Kafka's isolation_level on the wire: 0 read_uncommitted, 1 read_committed. */
  isolationLevel: number;
}

export class FetchCoalescer {
  readonly #queue = new TurnQueue<PartitionFetch>((connection, queued) => {
    for (const request of splitRequests(queued)) void send(connection, request);
  });

  /** Fetches one partition from `connection`'s broker in this turn's request; resolves with its partition response. */
  fetch(connection: BrokerConnection, fetch: PartitionFetch): Promise<Message> {
    return this.#queue.add(connection, fetch);
  }
}

async function send(connection: BrokerConnection, waiting: Queued<PartitionFetch>[]): Promise<void> {
  try {
    const topics = new Map<string, Message[]>();
    for (const { item: fetch } of waiting) {
      const partitions = topics.get(fetch.topic) ?? [];
      partitions.push({ partition: fetch.partition, currentLeaderEpoch: -1, fetchOffset: fetch.fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: fetch.partitionMaxBytes });
      topics.set(fetch.topic, partitions);
    }
    const r = await connection.send(FetchApi, connection.version(FetchApi, 12), {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      // Every partition may fill its own max bytes, as when each was asked alone.
      maxBytes: Math.min(0x7fffffff, waiting.reduce((sum, w) => sum + w.item.partitionMaxBytes, 0)),
      isolationLevel: waiting[0].item.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      forgottenTopicsData: [],
      rackId: '',
    });
    const answers = new Map<string, Message>();
    for (const t of r.responses as Message[]) for (const p of t.partitions as Message[]) answers.set(partitionKey(t.topic as string, p.partitionIndex as number), p);
    answerEach(waiting, answers, (f) => ({ partitionIndex: f.partition, errorCode: r.errorCode !== 0 ? r.errorCode : UNKNOWN_SERVER_ERROR, records: null }));
  } catch (error) {
    for (const w of waiting) w.reject(error as Error);
  }
}

/**
 * The requests for one connection's queue: one per isolation level, and a partition asked twice
 * (two readers of it in one turn) goes into a further request, since a FetchRequest names each
 * partition once.
 */
function splitRequests(queue: Queued<PartitionFetch>[]): Queued<PartitionFetch>[][] {
  const requests: { level: number; keys: Set<string>; waiting: Queued<PartitionFetch>[] }[] = [];
  for (const w of queue) {
    const key = partitionKey(w.item.topic, w.item.partition);
    let request = requests.find((r) => r.level === w.item.isolationLevel && !r.keys.has(key));
    if (request === undefined) {
      request = { level: w.item.isolationLevel, keys: new Set(), waiting: [] };
      requests.push(request);
    }
    request.keys.add(key);
    request.waiting.push(w);
  }
  return requests.map((r) => r.waiting);
}
