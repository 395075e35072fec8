/**
 * Fetch: reads every requested partition at once (answering in request order), each up to its
 * `partition_max_bytes` and the whole response up to `max_bytes` (the first non-empty partition
 * may exceed both by one batch, as in Kafka's KIP-74, so a consumer always progresses). When fewer than `min_bytes` are
 * ready it long-polls: it waits for an append to any of the partitions, up to `max_wait_ms`, then
 * reads again. The record bytes go to the socket as the log returned them — no decoding.
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
/** A partition read is never cut short before this, even with max_wait_ms 0. */
const STRAGGLER_FLOOR_MS = 100;
/** Once min_bytes are ready, the partitions still reading get at least this long. */
const STRAGGLER_GRACE_MS = 10;

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
    const bytes = await readAll(reads, maxBytes, minBytes, deadline, isolationLevel, context);
    const remaining = maxWaitMs - (Date.now() - started);
    // Kafka answers at once when a partition has an error, as when enough bytes are ready.
    const failed = reads.some((read) => read.response.errorCode !== ErrorCode.NONE);
    if (bytes >= minBytes || bytes >= maxBytes || failed || remaining <= 0 || signal.aborted || reads.length === 0) break;
    await waitForAnyAppend(reads, remaining, isolationLevel, context);
    if (Date.now() - started >= maxWaitMs || signal.aborted) {
      await readAll(reads, maxBytes, minBytes, deadline, isolationLevel, context);
      break;
    }
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

/**
 * Reads every partition once, all at once (up to `PARALLEL_READS` in flight), and returns the
 * record bytes gathered. A partition that has not answered when the others are done is not waited
 * for (see `stragglerDeadline`): over JetStream, a partition whose stream has no leader retries
 * for up to 30 s, and reading partitions one after another made it hold back every partition
 * behind it. Kafka answers each partition on its own; such a partition is answered as a long poll
 * that timed out (no error, no records, high watermark = the fetch offset), so the client simply
 * fetches it again, and the rest of the response is not lost (kafkajs drops a whole response when
 * any partition carries an error code).
 */
async function readAll(reads: PartitionRead[], maxBytes: number, minBytes: number, deadline: number, isolationLevel: IsolationLevel, { cluster, signal }: RequestContext): Promise<number> {
  const stragglers = new AbortController();
  const stop = (): void => stragglers.abort();
  signal.addEventListener('abort', stop, { once: true });
  const started = Date.now();
  let timer = setTimeout(stop, Math.max(deadline, started + STRAGGLER_FLOOR_MS) - started);
  let ready = 0;
  let readyAt: number | null = null;
  const outcomes: ({ result: FetchResult } | { error: unknown } | { cutShort: true })[] = new Array(reads.length);
  const readOne = async (i: number): Promise<void> => {
    const read = reads[i];
    try {
      const result = await cluster.fetch(read.topic, read.partition, read.offset, { maxBytes: Math.max(1, Math.min(read.maxBytes, maxBytes)), isolationLevel, signal: stragglers.signal });
      outcomes[i] = { result };
      ready += result.bytes.length;
      if (ready >= Math.max(1, minBytes) && readyAt === null) {
        // Enough to answer: the partitions still reading get as long again as this took (at least
        // STRAGGLER_GRACE_MS), so a slow machine does not starve them, then are answered empty.
        readyAt = Date.now();
        clearTimeout(timer);
        timer = setTimeout(stop, Math.max(STRAGGLER_GRACE_MS, readyAt - started));
      }
    } catch (error) {
      // An engine may end an aborted read with an error rather than an empty answer.
      outcomes[i] = stragglers.signal.aborted && !signal.aborted ? { cutShort: true } : { error };
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
      r.records = bytes;
      total += bytes.length;
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
