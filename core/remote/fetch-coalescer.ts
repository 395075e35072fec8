/**
 * One FetchRequest per broker for the partitions asked of it in the same turn, as Kafka's Fetcher
 * sends one request per node with every partition it is fetching. The `Cluster` seam fetches one
 * partition per call, and a consumer calls it for all its partitions at once (and `RemoteFetcher`
 * keeps one fetch ahead per partition, started when an answer arrives — the answers of one
 * response all arrive in the same turn): those calls are queued per connection and sent together
 * once the turn's promise callbacks have run (`process.nextTick` queued from them runs after the
 * microtask queue drains), each partition answered with its own part of the response — its error
 * code, records and watermarks — as if it had been asked alone.
 *
 * Only immediate fetches (max wait 0) are coalesced: a long poll holds its connection, so it keeps
 * a connection and a request of its own (`ClusterConnections.exclusive`). A failed request (a
 * disconnect) fails every partition in it; each retries on its own.
 */
import { FetchApi, type Message } from '../protocol/kafka/index.js';
import { partitionKey } from '../topic-partition-key.js';
import type { BrokerConnection } from './broker-connection.js';

/** One partition's part of a FetchRequest (v12 field names). */
export interface PartitionFetch {
  topic: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** Kafka's isolation_level on the wire: 0 read_uncommitted, 1 read_committed. */
  isolationLevel: number;
}

interface Waiting {
  fetch: PartitionFetch;
  resolve: (partitionResponse: Message) => void;
  reject: (error: Error) => void;
}

export class FetchCoalescer {
  /** Fetches queued this turn, per connection. */
  readonly #queued = new Map<BrokerConnection, Waiting[]>();

  /** Fetches one partition from `connection`'s broker in this turn's request; resolves with its partition response. */
  fetch(connection: BrokerConnection, fetch: PartitionFetch): Promise<Message> {
    return new Promise((resolve, reject) => {
      let queue = this.#queued.get(connection);
      if (queue === undefined) {
        queue = [];
        this.#queued.set(connection, queue);
        process.nextTick(() => this.#flush(connection));
      }
      queue.push({ fetch, resolve, reject });
    });
  }

  #flush(connection: BrokerConnection): void {
    const queue = this.#queued.get(connection) ?? [];
    this.#queued.delete(connection);
    for (const request of splitRequests(queue)) void this.#send(connection, request);
  }

  async #send(connection: BrokerConnection, waiting: Waiting[]): Promise<void> {
    try {
      const topics = new Map<string, Message[]>();
      for (const { fetch } of waiting) {
        const partitions = topics.get(fetch.topic) ?? [];
        partitions.push({ partition: fetch.partition, currentLeaderEpoch: -1, fetchOffset: fetch.fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: fetch.partitionMaxBytes });
        topics.set(fetch.topic, partitions);
      }
      const r = await connection.send(FetchApi, connection.version(FetchApi, 12), {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        // Every partition may fill its own max bytes, as when each was asked alone.
        maxBytes: Math.min(0x7fffffff, waiting.reduce((sum, w) => sum + w.fetch.partitionMaxBytes, 0)),
        isolationLevel: waiting[0].fetch.isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        forgottenTopicsData: [],
        rackId: '',
      });
      const answers = new Map<string, Message>();
      for (const t of r.responses as Message[]) for (const p of t.partitions as Message[]) answers.set(partitionKey(t.topic as string, p.partitionIndex as number), p);
      for (const w of waiting) {
        const answer = answers.get(partitionKey(w.fetch.topic, w.fetch.partition));
        // A broker that leaves a partition out has not answered it: its request's error, else UNKNOWN_SERVER_ERROR.
        if (answer === undefined) w.resolve({ partitionIndex: w.fetch.partition, errorCode: r.errorCode !== 0 ? r.errorCode : UNKNOWN_SERVER_ERROR, records: null });
        else w.resolve(answer);
      }
    } catch (error) {
      for (const w of waiting) w.reject(error as Error);
    }
  }
}

/** Kafka's UNKNOWN_SERVER_ERROR (-1): the broker left a partition out of its answer. */
const UNKNOWN_SERVER_ERROR = -1;

/**
 * The requests for one connection's queue: one per isolation level, and a partition asked twice
 * (two readers of it in one turn) goes into a further request, since a FetchRequest names each
 * partition once.
 */
function splitRequests(queue: Waiting[]): Waiting[][] {
  const requests: { level: number; keys: Set<string>; waiting: Waiting[] }[] = [];
  for (const w of queue) {
    const key = partitionKey(w.fetch.topic, w.fetch.partition);
    let request = requests.find((r) => r.level === w.fetch.isolationLevel && !r.keys.has(key));
    if (request === undefined) {
      request = { level: w.fetch.isolationLevel, keys: new Set(), waiting: [] };
      requests.push(request);
    }
    request.keys.add(key);
    request.waiting.push(w);
  }
  return requests.map((r) => r.waiting);
}
