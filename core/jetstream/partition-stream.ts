/**
 * One topic-partition on JetStream: a stream with one subject, holding one Kafka RecordBatch v2 per
 * message, byte for byte (the batch's base offset field rewritten to the offset it was given;
 * that field is outside the CRC). Kafka offsets stay dense from 0: a batch's base offset is the
 * previous batch's last offset + 1.
 *
 * Appends: optimistic concurrency. The writer knows the stream's tail (last sequence, next
 * offset) and publishes with `Nats-Expected-Last-Sequence` = that sequence (pipelined: queued
 * batches go out together, each also expecting its predecessor's `Nats-Msg-Id`: `StreamAppender`);
 * when another writer got there first, JetStream refuses the message (error 10071), the writer re-reads the tail (the
 * last message, by `last_by_subj`) and tries again with the new base offset. So two writers — in
 * one process or many — never produce duplicate or out-of-order offsets. Every message carries a
 * `Nats-Msg-Id` (the idempotent producer's id, epoch and sequence; otherwise a random id per call),
 * so a publish retried after a lost ack (a node died mid-request) is answered by JetStream's
 * de-duplication with the original's sequence rather than written twice.
 *
 * Fetch by offset: the batch holding an offset is found by a binary search over stream sequences
 * with `STREAM.MSG.GET` (each probe reads one batch header, the first at or after the probed
 * sequence, as compaction leaves holes: `partition-compactor.ts`; a fetch inside a hole answers
 * from the next batch, as Kafka's does), O(log n) requests at any depth; a
 * cursor table (next offset → next sequence, filled by every fetch and append) makes sequential
 * reads O(1): a consumer's next fetch starts at the sequence after its last batch, verified by the
 * batch's base offset. Reads, and the stream state that bounds them (`stream-leader-state.ts`), go to the
 * stream leader (not direct get, not a follower's state), so they see every acknowledged batch.
 *
 * Log start offset: the first stored batch's base offset. Retention (`purgeBefore`) removes whole
 * batches from the head and always keeps the last one, so the log end offset is never lost.
 *
 * Concurrency: appends of one partition go out in order, in pipelined groups; fetches run concurrently.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FetchOptions, FetchResult, OffsetSpec, ProduceResult } from '../cluster.js';
import { CorruptRecordError, OffsetOutOfRangeError } from '../errors.js';
import { readBatchHeader, type BatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import { abortable } from '../abortable.js';
import { retryTransient } from './nats-retry.js';
import { getStreamMessage, type StreamMessageQuery } from './stream-message-get.js';
import { StreamAppender } from './stream-appender.js';
import { streamLeaderState, type StreamState } from './stream-leader-state.js';

const CURSOR_ENTRIES = 256;
const MAX_PARALLEL_GETS = 32;

export interface StreamAccess {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The client to publish through to a stream led by server `leader` (`LeaderConnections`); `js` when absent. */
  publisher?: (leader: string | null) => JetStreamClient;
}

/** A stored batch: its stream sequence and header. */
export interface Located {
  seq: number;
  header: BatchHeader;
  bytes: Buffer;
}

export interface Tail {
  /** Last stream sequence (0 for a stream never written). */
  seq: number;
  nextOffset: number;
}

export class PartitionStream {
  readonly topic: string;
  readonly partition: number;
  readonly stream: string;
  readonly subject: string;
  readonly #access: StreamAccess;
  readonly #appender: StreamAppender;
  /** next offset → stream sequence of the batch starting there. */
  readonly #cursors = new Map<number, number>();
  /**
   * The highest-sequence batch read so far (a fetch that had no room for it, or the tail): the
   * next sequential fetch or tail lookup takes it from here. A stored sequence never changes, so
   * it is never stale; at worst compaction deleted it since, and a reader sees that superseded
   * batch once more, as a Kafka reader does that fetched before the cleaner ran.
   */
  #readAhead: Located | null = null;
  /** The first batch, as last seen (see `#ends`). */
  #firstBatch: Located | null = null;
  /** The log start offset seen by the last full fetch (reported by cursor fetches). */
  #logStartOffset: number | null = null;
  /** The stream's leader (a server name) as the last stream info said. */
  #leader: string | null = null;

  constructor(access: StreamAccess, topic: string, partition: number, stream: string, subject: string) {
    this.#access = access;
    this.topic = topic;
    this.partition = partition;
    this.stream = stream;
    this.subject = subject;
    this.#appender = new StreamAppender(this);
  }

  /**
   * Appends one validated batch (its header given); resolves once JetStream acknowledged it (stored
   * on a majority of the stream's replicas). See `StreamAppender`.
   */
  append(batch: Buffer, header: BatchHeader): Promise<ProduceResult> {
    return this.#appender.append(batch, header);
  }

  /** The client to publish through: the stream leader's connection, as the last `readTail` found it. */
  publisher(): JetStreamClient {
    return this.#access.publisher?.(this.#leader) ?? this.#access.js;
  }

  /** The stream's last sequence and next offset, from its last message (and its leader, for `publisher`). */
  async readTail(): Promise<Tail> {
    for (let attempt = 0; ; attempt++) {
      const last = await this.#last();
      if (last) return { seq: last.seq, nextOffset: last.header.baseOffset + last.header.lastOffsetDelta + 1 };
      const state = await this.#state();
      if (state.last_seq === 0) return { seq: 0, nextOffset: 0 };
      // Another writer may have appended between the two reads: look again before giving up.
      if (attempt < 2) continue;
      throw new CorruptRecordError(
        `${this.topic}-${this.partition}: stream ${this.stream} is empty after sequence ${state.last_seq} (purged outside Sluice?), so its log end offset is unknown; nothing appended`,
      );
    }
  }

  /**
   * Reads whole batches from the one holding `offset`, up to about `maxBytes` (at least one batch),
   * waiting up to `maxWaitMs` for an append when `offset` is the log end.
   * @throws OffsetOutOfRangeError below the log start or past the log end.
   */
  async fetch(offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    try {
      return await this.#fetch(offset, options);
    } catch (error) {
      // Aborted (the consumer has data elsewhere, or closes): an empty answer, as a long poll that timed out.
      if (options.signal?.aborted) return { bytes: Buffer.alloc(0), logStartOffset: this.#logStartOffset ?? 0, highWatermark: offset, lastStableOffset: offset, abortedTransactions: [] };
      throw error;
    }
  }

  async #fetch(offset: number, options: FetchOptions): Promise<FetchResult> {
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const deadline = Date.now() + (options.maxWaitMs ?? 0);
    const signal = options.signal;
    for (;;) {
      // Sequential reads: the cursor names the batch's sequence; read it with the tail at once.
      const guess = this.#cursors.get(offset);
      if (guess !== undefined && this.#logStartOffset !== null) {
        const [m, last] = await Promise.all([this.#read(guess, signal), this.#last(signal)]);
        if (m && last && m.header.baseOffset === offset) {
          const logEndOffset = last.header.baseOffset + last.header.lastOffsetDelta + 1;
          return { bytes: await this.#readFrom(m, last.seq, maxBytes, signal), logStartOffset: this.#logStartOffset, highWatermark: logEndOffset, lastStableOffset: logEndOffset, abortedTransactions: [] };
        }
      }
      const [first, last] = await this.#ends(signal);
      this.#logStartOffset = first ? first.header.baseOffset : null;
      const logStartOffset = first ? first.header.baseOffset : 0;
      const logEndOffset = last ? last.header.baseOffset + last.header.lastOffsetDelta + 1 : 0;
      if (offset < logStartOffset || offset > logEndOffset) {
        throw new OffsetOutOfRangeError(
          `${this.topic}-${this.partition}: offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`,
          this.topic,
          this.partition,
          offset,
          logStartOffset,
          logEndOffset,
        );
      }
      if (offset < logEndOffset) {
        const start = await this.#locate(offset, first!, last!, signal);
        const bytes = await this.#readFrom(start, last!.seq, maxBytes, signal);
        return { bytes, logStartOffset, highWatermark: logEndOffset, lastStableOffset: logEndOffset, abortedTransactions: [] };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) return { bytes: Buffer.alloc(0), logStartOffset, highWatermark: logEndOffset, lastStableOffset: logEndOffset, abortedTransactions: [] };
      await this.#waitForAppend(last?.seq ?? 0, remaining, signal);
    }
  }

  /** Batches from `start` on while they fit in `maxBytes` (the first always), with parallel gets. */
  async #readFrom(start: Located, lastSeq: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const parts = [start.bytes];
    let bytes = start.bytes.length;
    let seq = start.seq + 1;
    let nextOffset = start.header.baseOffset + start.header.lastOffsetDelta + 1;
    while (bytes < maxBytes && seq <= lastSeq) {
      const room = Math.floor((maxBytes - bytes) / Math.max(1, parts[parts.length - 1].length));
      const n = Math.max(1, Math.min(MAX_PARALLEL_GETS, room, lastSeq - seq + 1));
      let got = await Promise.all(Array.from({ length: n }, (_, i) => this.#read(seq + i, signal)));
      let probed = seq + n;
      if (got.every((m) => m === null)) {
        // A run of holes left by compaction (every sequence up to lastSeq existed): jump over it.
        const m = await this.#getAtOrAfter(seq + n, signal);
        if (!m || m.seq > lastSeq) return this.#done(parts, nextOffset, seq + n);
        got = [m];
        probed = m.seq + 1;
      }
      for (const m of got) {
        if (!m) continue; // deleted by compaction
        if (bytes + m.bytes.length > maxBytes) {
          this.#readAhead = m; // the next sequential fetch starts with it
          return this.#done(parts, nextOffset, m.seq);
        }
        parts.push(m.bytes);
        bytes += m.bytes.length;
        nextOffset = m.header.baseOffset + m.header.lastOffsetDelta + 1;
      }
      seq = probed;
    }
    return this.#done(parts, nextOffset, seq);
  }

  #done(parts: Buffer[], nextOffset: number, nextSeq: number): Buffer {
    this.remember(nextOffset, nextSeq);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /**
   * The batch holding `offset` (first ≤ offset < log end), or when compaction removed it, the first
   * batch after it (Kafka's fetch in a compacted hole): the cursor's guess, else a binary search.
   */
  async #locate(offset: number, first: Located, last: Located, signal?: AbortSignal): Promise<Located> {
    const guess = this.#cursors.get(offset);
    if (guess !== undefined && guess >= first.seq && guess <= last.seq) {
      const m = await this.#read(guess, signal);
      if (m && m.header.baseOffset === offset) return m;
    }
    if (offset >= last.header.baseOffset) return last;
    // Sequences increase with offsets; compaction may have deleted some (holes), so each probe
    // reads the first batch at or after the middle sequence.
    let lo = first; // invariant: lo.baseOffset ≤ offset < baseOffset of every batch at sequence ≥ hi
    let hi = last.seq;
    while (hi - lo.seq > 1) {
      const mid = await this.#getAtOrAfter(lo.seq + Math.floor((hi - lo.seq) / 2), signal);
      if (!mid) throw new CorruptRecordError(`${this.topic}-${this.partition}: stream ${this.stream} has no message between sequences ${lo.seq} and ${last.seq}`);
      if (mid.seq >= hi) hi = lo.seq + Math.floor((hi - lo.seq) / 2); // a hole up to hi: look lower
      else if (mid.header.baseOffset <= offset) lo = mid;
      else hi = mid.seq;
    }
    if (lo.header.baseOffset + lo.header.lastOffsetDelta >= offset) return lo;
    // `offset` fell in a hole left by compaction: the next stored batch holds the next offsets.
    const next = await this.#getAtOrAfter(lo.seq + 1, signal);
    if (!next) throw new CorruptRecordError(`${this.topic}-${this.partition}: stream ${this.stream} has no message after sequence ${lo.seq} (before ${last.seq})`);
    return next;
  }

  /** Kafka's ListOffsets: the log start, the log end, or the first record at or after a timestamp. */
  async listOffset(spec: Exclude<OffsetSpec, 'max-timestamp'>): Promise<number> {
    const [first, last] = await this.#ends();
    if (!first || !last) return 0;
    const logEndOffset = last.header.baseOffset + last.header.lastOffsetDelta + 1;
    if (spec === 'earliest') return first.header.baseOffset;
    if (spec === 'latest') return logEndOffset;
    const found = await this.#firstWithMaxTimestampAtLeast(spec.timestamp, first, last);
    if (!found) return logEndOffset;
    const records: StoredRecord[] = [];
    decodeRecords(found.bytes, 0, found.header, records);
    return records.find((r) => r.timestamp >= spec.timestamp)?.offset ?? found.header.baseOffset + found.header.lastOffsetDelta + 1;
  }

  /** The first batch whose max timestamp is ≥ `timestamp` (binary search; timestamps assumed non-decreasing, as Kafka's time index does). */
  async #firstWithMaxTimestampAtLeast(timestamp: number, first: Located, last: Located): Promise<Located | null> {
    if (last.header.maxTimestamp < timestamp) return null;
    if (first.header.maxTimestamp >= timestamp) return first;
    let lo = first.seq; // maxTimestamp < timestamp here
    let hi = last; // maxTimestamp ≥ timestamp
    while (hi.seq - lo > 1) {
      const mid = await this.#getAtOrAfter(lo + Math.floor((hi.seq - lo) / 2));
      if (!mid || mid.seq >= hi.seq) break;
      if (mid.header.maxTimestamp >= timestamp) hi = mid;
      else lo = mid.seq;
    }
    return hi;
  }

  /** Sizes for `describeTopic`: log start and end offsets, stored bytes and messages. */
  async describe(): Promise<{ logStartOffset: number; logEndOffset: number; sizeInBytes: number; messages: number; leader: string | null; replicas: string[]; isr: string[] }> {
    const [[first, last], info] = await Promise.all([this.#ends(), retryTransient(`describe ${this.stream}`, () => this.#access.jsm.streams.info(this.stream))]);
    const leader = info.cluster?.leader ?? null;
    const followers = info.cluster?.replicas ?? [];
    return {
      logStartOffset: first ? first.header.baseOffset : 0,
      logEndOffset: last ? last.header.baseOffset + last.header.lastOffsetDelta + 1 : 0,
      sizeInBytes: info.state.bytes,
      messages: info.state.messages,
      leader,
      replicas: [...(leader ? [leader] : []), ...followers.map((r) => r.name)],
      isr: [...(leader ? [leader] : []), ...followers.filter((r) => r.current && !r.offline).map((r) => r.name)],
    };
  }

  /**
   * Retention: removes the batches before the first one to keep, never the last batch (it holds
   * the log end offset). `keep(header, bytesFromEnd)` says whether a batch must stay. Returns the
   * number of batches removed.
   */
  async purgeBefore(keep: (header: BatchHeader) => boolean): Promise<number> {
    const [first, last] = await this.#ends();
    if (!first || !last || first.seq === last.seq || keep(first.header)) return 0;
    let lo = first.seq; // removable
    let hi = last.seq; // kept (the last batch always is)
    while (hi - lo > 1) {
      const mid = await this.#getAtOrAfter(lo + Math.floor((hi - lo) / 2));
      if (!mid || mid.seq >= hi) break;
      if (keep(mid.header)) hi = mid.seq;
      else lo = mid.seq;
    }
    const purged = await retryTransient(`purge ${this.stream}`, () => this.#access.jsm.streams.purge(this.stream, { seq: hi }));
    return purged.purged;
  }

  async #waitForAppend(lastSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const sub = this.#access.nc.subscribe(this.subject, { max: 1 });
    try {
      await abortable(this.#access.nc.flush(), signal); // subscribed on the server before we look again
      const newer = await this.#query({ seq: lastSeq + 1 }, signal);
      if (newer) return;
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      await Promise.race([
        (async () => {
          for await (const _ of sub) return;
        })(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          onAbort = resolve;
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    } finally {
      sub.unsubscribe();
    }
  }

  /** Notes that the batch at `nextOffset` is at stream sequence `nextSeq` (for the next sequential fetch). */
  remember(nextOffset: number, nextSeq: number): void {
    this.#cursors.delete(nextOffset);
    this.#cursors.set(nextOffset, nextSeq);
    if (this.#cursors.size > CURSOR_ENTRIES) this.#cursors.delete(this.#cursors.keys().next().value!);
  }

  /**
   * The first and last batches (null for an empty stream). Their sequences come from the
   * stream's state (one small answer); the batches are read only when they are not the ones read
   * before (the first batch is kept; the last is usually the batch read ahead), so a fetch does
   * not read the whole first and last batches again just for the log start and end offsets.
   */
  async #ends(signal?: AbortSignal): Promise<[Located | null, Located | null]> {
    const info = await this.#state(signal);
    if (info.messages === 0) return [null, null];
    const kept = this.#firstBatch;
    const [first, last] = await Promise.all([kept?.seq === info.first_seq ? kept : this.#read(info.first_seq, signal), this.#read(info.last_seq, signal)]);
    // A sequence can be gone meanwhile (retention, compaction): ask JetStream by subject instead.
    this.#firstBatch = first ?? (await this.#query({ seq: 0, next_by_subj: this.subject }, signal));
    return [this.#firstBatch, last ?? (await this.#query({ last_by_subj: this.subject }, signal))];
  }

  /** The last batch (see `#ends`). */
  async #last(signal?: AbortSignal): Promise<Located | null> {
    const info = await this.#state(signal);
    if (info.messages === 0) return null;
    return (await this.#read(info.last_seq, signal)) ?? this.#query({ last_by_subj: this.subject }, signal);
  }

  /** The stream's message count and first and last sequences. */
  streamState(): Promise<StreamState> {
    return this.#state();
  }

  async #state(signal?: AbortSignal): Promise<StreamState> {
    const state = await retryTransient(`read the state of ${this.stream}`, () => streamLeaderState(this.#access.jsm, this.stream, signal), { signal });
    this.#leader = state.leader;
    return state;
  }

  /** The batch at stream sequence `seq`, or null. */
  get(seq: number): Promise<Located | null> {
    return this.#query({ seq });
  }

  /** `get` for fetches: the batch read ahead by the previous fetch when it is the one asked for. */
  #read(seq: number, signal?: AbortSignal): Promise<Located | null> {
    const ahead = this.#readAhead;
    if (ahead?.seq === seq) return Promise.resolve(ahead);
    return this.#query({ seq }, signal);
  }

  #getAtOrAfter(seq: number, signal?: AbortSignal): Promise<Located | null> {
    return this.#query({ seq, next_by_subj: this.subject }, signal);
  }

  async #query(query: StreamMessageQuery, signal?: AbortSignal): Promise<Located | null> {
    const m = await retryTransient(`read ${this.stream}`, () => getStreamMessage(this.#access.nc, this.stream, query, signal), { signal });
    if (!m) return null;
    let header: BatchHeader;
    try {
      header = readBatchHeader(m.data, 0);
    } catch (error) {
      throw new CorruptRecordError(`${this.topic}-${this.partition}: stream ${this.stream} sequence ${m.seq} is not a record batch: ${(error as Error).message}`, { cause: error });
    }
    const located = { seq: m.seq, header, bytes: m.data };
    if (m.seq > (this.#readAhead?.seq ?? 0)) this.#readAhead = located;
    return located;
  }
}
