/**
 * A topic-partition on the JetStream engine as readers see it: the live stream
 * (`PartitionStream`, where every append goes) and, once compaction has run, the cleaned prefix
 * (`cleaned-prefix.ts`): offsets below `cleanedUpToOffset` come from the current generation's
 * cleaned stream, the others from the live stream. A fetch answers from one of the two; a fetch
 * past the cleaned stream's last batch (its tail was compacted away) goes on at
 * `cleanedUpToOffset` in the live stream, as Kafka's fetch in a compacted hole answers from the
 * next batch. The log start offset is the entry's (compaction never moves it).
 *
 * A reader whose entry went stale — a newer generation switched in and the streams it replaced
 * were deleted after the grace delay — meets a missing stream or a purged offset; it reads the
 * entry again and retries once.
 *
 * Retention for delete policies (`purgeBefore`) applies to the live stream of a partition that was
 * never compacted; once it was (`compact,delete`), a compaction pass applies it to the prefix.
 */
import type { FetchOptions, FetchResult, OffsetSpec, ProduceResult } from '../cluster.js';
import { OffsetOutOfRangeError } from '../errors.js';
import type { BatchHeader } from '../protocol/record-batch.js';
import type { CleanedPrefix, CleanedPrefixes } from './cleaned-prefix.js';
import type { PartitionStream, Tail } from './partition-stream.js';

interface CleanedReader {
  stream: string;
  reader: PartitionStream;
  /** First offset and log end offset of the cleaned stream (immutable once switched in), or null when it is empty. */
  ends: Promise<{ first: number; end: number } | null>;
}

export class PartitionLog {
  readonly live: PartitionStream;
  readonly #prefixes: CleanedPrefixes;
  readonly #open: (cleanedStream: string) => PartitionStream;
  #cleaned: CleanedReader | null = null;

  /** `open` gives a reader of one of this partition's cleaned streams. */
  constructor(live: PartitionStream, prefixes: CleanedPrefixes, open: (cleanedStream: string) => PartitionStream) {
    this.live = live;
    this.#prefixes = prefixes;
    this.#open = open;
  }

  get topic(): string {
    return this.live.topic;
  }

  get partition(): number {
    return this.live.partition;
  }

  append(batch: Buffer, header: BatchHeader): Promise<ProduceResult> {
    return this.live.append(batch, header);
  }

  readTail(): Promise<Tail> {
    return this.live.readTail();
  }

  /** See `PartitionStream.fetch`; reads below the cleaned prefix's end from its stream. */
  fetch(offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    return this.#withPrefix(async (p) => {
      if (!p) return this.live.fetch(offset, options);
      if (offset < p.logStartOffset) {
        const end = await this.live.listOffset('latest');
        throw new OffsetOutOfRangeError(`${this.topic}-${this.partition}: offset ${offset} is outside [${p.logStartOffset}, ${end}]`, this.topic, this.partition, offset, p.logStartOffset, end);
      }
      let from = offset;
      if (offset < p.cleanedUpToOffset) {
        const cleaned = this.#cleanedReader(p);
        const ends = await cleaned.ends;
        if (ends && offset < ends.end) {
          const [r, end] = await Promise.all([cleaned.reader.fetch(Math.max(offset, ends.first), { maxBytes: options.maxBytes, signal: options.signal }), this.live.listOffset('latest')]);
          return { ...r, logStartOffset: p.logStartOffset, highWatermark: end, lastStableOffset: end };
        }
        from = p.cleanedUpToOffset;
      }
      try {
        return { ...(await this.live.fetch(from, options)), logStartOffset: p.logStartOffset };
      } catch (error) {
        // Past the log end: the range is the whole log's, not the live stream's.
        if (!(error instanceof OffsetOutOfRangeError) || offset < p.cleanedUpToOffset) throw error;
        throw new OffsetOutOfRangeError(`${this.topic}-${this.partition}: offset ${offset} is outside [${p.logStartOffset}, ${error.logEndOffset}]`, this.topic, this.partition, offset, p.logStartOffset, error.logEndOffset);
      }
    });
  }

  /** Kafka's ListOffsets over the cleaned prefix and the live stream. */
  listOffset(spec: Exclude<OffsetSpec, 'max-timestamp'>): Promise<number> {
    return this.#withPrefix(async (p) => {
      if (!p || spec === 'latest') return this.live.listOffset(spec);
      if (spec === 'earliest') return p.logStartOffset;
      const cleaned = this.#cleanedReader(p);
      const ends = await cleaned.ends;
      if (ends) {
        const found = await cleaned.reader.listOffset(spec);
        if (found < ends.end) return Math.max(found, p.logStartOffset);
      }
      // Timestamps are taken as non-decreasing (as Kafka's time index does): nothing below the
      // prefix's end qualified, so the answer is at or after it.
      return Math.max(await this.live.listOffset(spec), p.cleanedUpToOffset);
    });
  }

  /** Sizes for `describeTopic`, the cleaned stream's included. */
  async describe(): Promise<Awaited<ReturnType<PartitionStream['describe']>>> {
    return this.#withPrefix(async (p) => {
      const live = await this.live.describe();
      if (!p) return live;
      const cleaned = await this.#cleanedReader(p).reader.describe();
      // Live messages below liveFromSeq are the retired prefix awaiting deletion: not part of the log.
      return { ...live, logStartOffset: p.logStartOffset, sizeInBytes: live.sizeInBytes + cleaned.sizeInBytes, messages: p.cleanedBatches + Math.max(0, live.messages - (await this.#retiredLiveMessages(p))) };
    });
  }

  /** Retention of delete policies (see the file comment); 0 once compacted. */
  async purgeBefore(keep: (header: BatchHeader) => boolean): Promise<number> {
    if (await this.#prefixes.get(this.live.stream)) return 0;
    return this.live.purgeBefore(keep);
  }

  /** Runs `read` with the current entry, and once more with a fresh one when it went stale. */
  async #withPrefix<T>(read: (p: CleanedPrefix | null) => Promise<T>): Promise<T> {
    const p = await this.#prefixes.get(this.live.stream);
    try {
      return await read(p);
    } catch (error) {
      if (!(error instanceof OffsetOutOfRangeError) && !/stream not found/i.test((error as Error).message)) throw error;
      const fresh = await this.#prefixes.refresh(this.live.stream);
      if (fresh.value?.generation === p?.generation) throw error;
      return read(fresh.value);
    }
  }

  #cleanedReader(p: CleanedPrefix): CleanedReader {
    if (this.#cleaned?.stream === p.cleanedStream) return this.#cleaned;
    const reader = this.#open(p.cleanedStream);
    const ends = (async () => (p.cleanedBatches === 0 ? null : { first: await reader.listOffset('earliest'), end: await reader.listOffset('latest') }))();
    const cleaned: CleanedReader = { stream: p.cleanedStream, reader, ends };
    ends.catch(() => {
      if (this.#cleaned === cleaned) this.#cleaned = null;
    });
    this.#cleaned = cleaned;
    return cleaned;
  }

  /** Live messages still stored below `liveFromSeq` (0 once purged). */
  async #retiredLiveMessages(p: CleanedPrefix): Promise<number> {
    const first = (await this.live.streamState()).first_seq;
    return Math.max(0, p.liveFromSeq - first);
  }
}
