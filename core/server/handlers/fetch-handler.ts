/**
 * Fetch: reads every requested partition at once (answering in request order), each up to its
 * `partition_max_bytes` and the whole response up to `max_bytes` (the first non-empty partition
 * may exceed both by one batch, as in Kafka's KIP-74, so a consumer always progresses). When fewer than `min_bytes` are
 * ready it long-polls: it waits for an append to any of the partitions, up to `max_wait_ms`, then
 * reads again. The record bytes go to the socket as the log returned them — no decoding — read
 * into the broker's pooled memory (`RequestContext.readBuffers`), which the connection takes back
 * once the response is written: fresh memory for every read cost a page fault per 4 KiB.
 *
 * isolation_level 1 (read_committed) reads only below the last stable offset and lists the aborted
 * transactions among the returned batches, which the client skips (Kafka's design: the broker
 * never filters records, the consumer does); its long poll waits for the LSO to move.
 *
 * Fetch sessions (KIP-227) are not kept: the response's session id 0 tells clients to send full
 * requests, which every client supports.
 */
import type { FetchResult, IsolationLevel } from '../../cluster.js';
import { OffsetOutOfRangeError } from '../../errors.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode } from '../../protocol/kafka/index.js';
import type { RequestContext } from '../request-context.js';
import { readBatchHeader } from '../../protocol/record-batch.js';
import { resolveTopicName } from '../topic-ids.js';

const EMPTY = Buffer.alloc(0);
const READ_COMMITTED = 1;
/** Partitions read at once. */
const PARALLEL_READS = 16;
/** A partition read is never cut short before this, even with max_wait_ms 0 (a healthy engine answers far sooner, even on a busy machine). */
const STRAGGLER_FLOOR_MS = 1000;

interface PartitionRead {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
  response: Message;
}

export async function handleFetch(body: Message, context: RequestContext): Promise<Message> {
  const { cluster, signal } = context;
  const started = Date.now();
  const maxWaitMs = Math.max(0, body.maxWaitMs as number);
  const minBytes = Math.max(0, body.minBytes as number);
  const maxBytes = (body.maxBytes as number) > 0 ? (body.maxBytes as number) : 0x7fffffff;
  const isolationLevel: IsolationLevel = body.isolationLevel === READ_COMMITTED ? 'read_committed' : 'read_uncommitted';
  const reads: PartitionRead[] = [];
  const responses = [];
  for (const t of body.topics as Message[]) {
    const name = await resolveTopicName(t.topic, cluster);
    responses.push({
      topic: t.topic,
      partitions: (t.partitions as Message[]).map((p) => {
        const response: Message = { partitionIndex: p.partition, errorCode: 0, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: EMPTY };
        reads.push({ topic: name, partition: p.partition, offset: p.fetchOffset, maxBytes: p.partitionMaxBytes, response });
        return response;
      }),
    });
  }

  const deadline = started + maxWaitMs;
  for (;;) {
    const bytes = await readAll(reads, maxBytes, deadline, isolationLevel, context);
    const remaining = maxWaitMs - (Date.now() - started);
    // Kafka answers at once when a partition has an error, as when enough bytes are ready.
    const failed = reads.some((read) => read.response.errorCode !== ErrorCode.NONE);
    if (bytes >= minBytes || bytes >= maxBytes || failed || remaining <= 0 || signal.aborted || reads.length === 0) break;
    await waitForAnyAppend(reads, remaining, isolationLevel, context);
    if (Date.now() - started >= maxWaitMs || signal.aborted) {
      await readAll(reads, maxBytes, deadline, isolationLevel, context);
      break;
    }
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

/**
 * Reads every partition once, all at once (up to `PARALLEL_READS` in flight), and returns the
 * record bytes gathered. A partition that has not answered by the request's deadline (at least
 * `STRAGGLER_FLOOR_MS` after the reads started) is not waited for: over JetStream, a partition
 * whose stream has no leader retries for up to 30 s, and reading partitions one after another
 * made it hold back every partition behind it. Kafka answers each partition on its own; such a
 * partition is answered as a long poll that found nothing (no error, no records, high watermark =
 * the fetch offset), so the client fetches it again and the rest of the response is not lost:
 * kafkajs drops a whole response when any partition carries an error code, and librdkafka backs
 * off a partition with LEADER_NOT_AVAILABLE for longer than a long poll lasts. A healthy engine
 * answers far within `STRAGGLER_FLOOR_MS`, so only a stuck partition is answered this way.
 */
async function readAll(reads: PartitionRead[], maxBytes: number, deadline: number, isolationLevel: IsolationLevel, { cluster, signal, readBuffers }: RequestContext): Promise<number> {
  const stragglers = new AbortController();
  const stop = (): void => stragglers.abort();
  signal.addEventListener('abort', stop, { once: true });
  const started = Date.now();
  const timer = setTimeout(stop, Math.max(deadline, started + STRAGGLER_FLOOR_MS) - started);
  const outcomes: ({ result: FetchResult } | { error: unknown } | { cutShort: true })[] = new Array(reads.length);
  const cutShort = (): boolean => stragglers.signal.aborted && !signal.aborted;
  const readOne = async (i: number): Promise<void> => {
    const read = reads[i];
    try {
      const result = await cluster.fetch(read.topic, read.partition, read.offset, { maxBytes: Math.max(1, Math.min(read.maxBytes, maxBytes)), isolationLevel, signal: stragglers.signal, readBuffers });
      // An engine ends an aborted read early (the JetStream one with an empty answer): not an answer.
      // (At shutdown, `signal`, the answer as it stands goes out, as for a long poll.)
      outcomes[i] = cutShort() ? { cutShort: true } : { result };
    } catch (error) {
      outcomes[i] = cutShort() ? { cutShort: true } : { error };
    }
  };
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_READS, reads.length) }, async () => {
        while (next < reads.length) await readOne(next++);
      }),
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }

  // The response in request order, within max_bytes (the first non-empty partition whole, KIP-74).
  let total = 0;
  reads.forEach((read, i) => {
    const r = read.response;
    const outcome = outcomes[i];
    r.errorCode = ErrorCode.NONE;
    readBuffers?.release(r.records as Buffer); // an earlier pass's bytes (a long poll reads again)
    r.records = EMPTY; // never null: librdkafka refuses a record set of size -1
    r.abortedTransactions = isolationLevel === 'read_committed' ? [] : null;
    if ('error' in outcome) {
      r.errorCode = kafkaErrorCode(outcome.error);
      if (outcome.error instanceof OffsetOutOfRangeError) {
        r.highWatermark = r.lastStableOffset = outcome.error.logEndOffset;
        r.logStartOffset = outcome.error.logStartOffset;
      }
      return;
    }
    if ('cutShort' in outcome) {
      r.highWatermark = r.lastStableOffset = read.offset; // nothing known past the fetch offset
      r.logStartOffset = -1;
      return;
    }
    const { result } = outcome;
    r.highWatermark = result.highWatermark;
    r.lastStableOffset = result.lastStableOffset;
    r.logStartOffset = result.logStartOffset;
    r.abortedTransactions = isolationLevel === 'read_committed' ? (result.abortedTransactions ?? []) : null;
    const bytes = total === 0 ? result.bytes : leadingBatchesWithin(result.bytes, maxBytes - total);
    if (bytes.length > 0) {
      r.records = bytes; // given back by the connection once written
      total += bytes.length;
    } else {
      readBuffers?.release(result.bytes);
    }
  });
  return total;
}

/** The leading whole batches of `bytes` that fit in `limit` bytes (maybe none). */
function leadingBatchesWithin(bytes: Buffer, limit: number): Buffer {
  let pos = 0;
  while (pos < bytes.length) {
    const size = readBatchHeader(bytes, pos).sizeInBytes;
    if (pos + size > limit) break;
    pos += size;
  }
  return pos === bytes.length ? bytes : bytes.subarray(0, pos);
}

/**
 * Resolves when any of the partitions has something to read at the isolation level (or after
 * `timeoutMs`, or at shutdown): read_committed waits past an open transaction's records.
 */
async function waitForAnyAppend(reads: PartitionRead[], timeoutMs: number, isolationLevel: IsolationLevel, { cluster, signal }: RequestContext): Promise<void> {
  const waiting = new AbortController();
  const stop = (): void => waiting.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.race(
      reads
        .filter((read) => read.response.errorCode === ErrorCode.NONE)
        .map((read) =>
          cluster.fetch(read.topic, read.partition, read.offset, { maxBytes: 1, maxWaitMs: timeoutMs, signal: waiting.signal, isolationLevel }).then(
            () => undefined,
            () => undefined,
          ),
        ),
    );
  } finally {
    waiting.abort();
    signal.removeEventListener('abort', stop);
  }
}
