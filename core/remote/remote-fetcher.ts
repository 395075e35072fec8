/**
 * Fetch from the remote engine, with one Fetch kept ahead per partition as Kafka's consumer does
 * (its Fetcher sends the next FetchRequest while the application processes the current records):
 * once an answer with records returns, the next one — from the offset after its last batch — is
 * already requested on the leader's shared connection, so the consumer's next `fetch` of that
 * offset finds it on the way or arrived instead of paying a round trip.
 *
 * At most one request ahead per partition (a partition's memory stays bounded by its max bytes);
 * it is used only for the same offset, max bytes and isolation level, and dropped otherwise (a
 * seek). Only answers with records are kept: an empty or failed one is sent again, as a long poll
 * if the caller waits, so its errors reach the caller. An answer kept ahead is one Kafka could
 * have given at that moment; a later `fetch` gets it, as from Kafka's client.
 *
 * The first request of each `fetch` does not wait (data is usually there when a consumer is
 * behind); only an empty answer turns into a long poll, on a connection of its own so it holds
 * nothing else up. Immediate fetches to one broker in the same turn go out as one FetchRequest
 * (`FetchCoalescer`), as Kafka's Fetcher sends one request per node.
 */
import type { FetchOptions, FetchResult } from '../cluster.js';
import { partitionKey } from '../topic-partition-key.js';
import { OffsetOutOfRangeError } from '../errors.js';
import { FetchApi, type Message } from '../protocol/kafka/index.js';
import type { ClusterConnections } from './cluster-connections.js';
import { FetchCoalescer } from './fetch-coalescer.js';
import { throwIfError } from './kafka-error.js';
import { dropRecords, takeRecords } from './leased-records.js';

/** Kafka's isolation_level on the wire: 0 read_uncommitted, 1 read_committed. */
const READ_COMMITTED = 1;

interface Ahead {
  offset: number;
  /** max bytes and isolation level the answer was asked with. */
  shape: string;
  answer: Promise<FetchResult | null>;
}

export class RemoteFetcher {
  readonly #net: ClusterConnections;
  readonly #listOffset: (topic: string, partition: number, spec: 'earliest' | 'latest') => Promise<number>;
  readonly #ahead = new Map<string, Ahead>();
  readonly #coalescer = new FetchCoalescer();

  constructor(net: ClusterConnections, listOffset: (topic: string, partition: number, spec: 'earliest' | 'latest') => Promise<number>) {
    this.#net = net;
    this.#listOffset = listOffset;
  }

  async fetch(topic: string, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    const key = partitionKey(topic, partition);
    const shape = `${options.maxBytes ?? ''}:${options.isolationLevel ?? ''}`;
    const ahead = this.#ahead.get(key);
    if (ahead !== undefined) this.#ahead.delete(key);
    const usable = ahead !== undefined && ahead.offset === offset && ahead.shape === shape;
    if (ahead !== undefined && !usable) dropAhead(ahead);
    let result = usable ? await ahead.answer : null;
    result ??= await this.#fetchNow(topic, partition, offset, options);
    const next = nextOffset(result.bytes);
    if (next !== null && !this.#ahead.has(key)) {
      const answer = this.#fetchNow(topic, partition, next, { maxBytes: options.maxBytes, isolationLevel: options.isolationLevel }).then(
        (r) => (r.bytes.length > 0 ? r : null),
        () => null, // sent again by the next fetch, which then reports the error
      );
      this.#ahead.set(key, { offset: next, shape, answer });
    }
    // Records of their own, now that the consumer starts on them (see leased-records.ts).
    return { ...result, bytes: takeRecords(result.bytes) };
  }

  /** Drops every answer kept ahead (on close). */
  clear(): void {
    for (const ahead of this.#ahead.values()) dropAhead(ahead);
    this.#ahead.clear();
  }

  #fetchNow(topic: string, partition: number, offset: number, options: FetchOptions): Promise<FetchResult> {
    const maxWaitMs = Math.max(0, options.maxWaitMs ?? 0);
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const body = {
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes,
      isolationLevel: options.isolationLevel === 'read_committed' ? READ_COMMITTED : 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes }] }],
      forgottenTopicsData: [],
      rackId: '',
    };
    const empty = (): FetchResult => ({ bytes: Buffer.alloc(0), logStartOffset: -1, highWatermark: -1, lastStableOffset: -1, abortedTransactions: options.isolationLevel === 'read_committed' ? [] : null });
    return this.#net.retry(`Fetch from ${topic}-${partition}`, async (retrying) => {
      if (options.signal?.aborted) return empty();
      const leader = await this.#net.leader(topic, partition, retrying);
      let p = await this.#coalescer.fetch(leader, { topic, partition, fetchOffset: offset, partitionMaxBytes: maxBytes, isolationLevel: body.isolationLevel });
      if (maxWaitMs > 0 && p.errorCode === 0 && ((p.records as Buffer | null)?.length ?? 0) === 0) {
        const request = this.#net.exclusive(leader, (c) => c.send(FetchApi, c.version(FetchApi, 12), body));
        // An aborted long poll resolves empty at once; its late answer is dropped.
        const r = options.signal ? await raceAbort(request, options.signal) : await request;
        if (r === null) return empty();
        p = (r.responses as Message[])[0].partitions[0] as Message;
      }
      if (p.errorCode === 1) {
        const [start, end] = await Promise.all([this.#listOffset(topic, partition, 'earliest'), this.#listOffset(topic, partition, 'latest')]);
        throw new OffsetOutOfRangeError(`offset ${offset} is outside ${topic}-${partition} [${start}, ${end}]`, topic, partition, offset, start, end);
      }
      throwIfError(p.errorCode, { what: 'Fetch', topic, partition, offset });
      const aborted = p.abortedTransactions as Message[] | null;
      return {
        bytes: (p.records as Buffer | null) ?? Buffer.alloc(0),
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        abortedTransactions: options.isolationLevel === 'read_committed' ? (aborted ?? []).map((a) => ({ producerId: a.producerId as number, firstOffset: a.firstOffset as number })) : null,
      };
    });
  }
}

/** Gives up the records of an answer kept ahead that will not be used, once it arrives. */
function dropAhead(ahead: Ahead): void {
  void ahead.answer.then((r) => r !== null && dropRecords(r.bytes));
}

/**
 * The offset after the last complete batch in `bytes` (a fetch may end with a partial batch), or
 * null when there is none. Batch layout: base offset int64 @0, batch length int32 @8 (bytes after
 * it), last offset delta int32 @23.
 */
export function nextOffset(bytes: Buffer): number | null {
  let next: number | null = null;
  for (let pos = 0; pos + 27 <= bytes.length; ) {
    const end = pos + 12 + bytes.readInt32BE(pos + 8);
    if (end > bytes.length) break;
    next = Number(bytes.readBigInt64BE(pos)) + bytes.readInt32BE(pos + 23) + 1;
    pos = end;
  }
  return next;
}

/** Resolves with the request's answer, or null as soon as `signal` aborts. */
function raceAbort<T>(request: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) {
    request.catch(() => undefined);
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      request.catch(() => undefined);
      resolve(null);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
