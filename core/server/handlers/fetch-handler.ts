/**
 * Fetch: reads every requested partition in request order, each up to its `partition_max_bytes`
 * and the whole response up to `max_bytes` (the first non-empty partition may exceed both by one
 * batch, as in Kafka's KIP-74, so a consumer always progresses). When fewer than `min_bytes` are
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
import { resolveTopicName } from '../topic-ids.js';

const EMPTY = Buffer.alloc(0);
const READ_COMMITTED = 1;

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

  for (;;) {
    const bytes = await readAll(reads, maxBytes, isolationLevel, context);
    const remaining = maxWaitMs - (Date.now() - started);
    // Kafka answers at once when a partition has an error, as when enough bytes are ready.
    const failed = reads.some((read) => read.response.errorCode !== ErrorCode.NONE);
    if (bytes >= minBytes || bytes >= maxBytes || failed || remaining <= 0 || signal.aborted || reads.length === 0) break;
    await waitForAnyAppend(reads, remaining, isolationLevel, context);
    if (Date.now() - started >= maxWaitMs || signal.aborted) {
      await readAll(reads, maxBytes, isolationLevel, context);
      break;
    }
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

/** Reads every partition once; returns the record bytes gathered. */
async function readAll(reads: PartitionRead[], maxBytes: number, isolationLevel: IsolationLevel, { cluster }: RequestContext): Promise<number> {
  let total = 0;
  for (const read of reads) {
    const r = read.response;
    r.errorCode = ErrorCode.NONE;
    r.records = EMPTY; // never null: librdkafka refuses a record set of size -1
    r.abortedTransactions = isolationLevel === 'read_committed' ? [] : null;
    try {
      const budget = Math.min(read.maxBytes, maxBytes - total);
      if (budget <= 0 && total > 0) {
        // Over the response limit: report the offsets only.
        r.highWatermark = await cluster.listOffset(read.topic, read.partition, 'latest');
        r.lastStableOffset = await cluster.listOffset(read.topic, read.partition, 'latest', { isolationLevel: 'read_committed' });
        r.logStartOffset = await cluster.listOffset(read.topic, read.partition, 'earliest');
        continue;
      }
      const result: FetchResult = await cluster.fetch(read.topic, read.partition, read.offset, { maxBytes: Math.max(1, budget), isolationLevel });
      r.highWatermark = result.highWatermark;
      r.lastStableOffset = result.lastStableOffset;
      r.logStartOffset = result.logStartOffset;
      r.abortedTransactions = isolationLevel === 'read_committed' ? (result.abortedTransactions ?? []) : null;
      if (result.bytes.length > 0) {
        r.records = result.bytes;
        total += result.bytes.length;
      }
    } catch (error) {
      r.errorCode = kafkaErrorCode(error);
      if (error instanceof OffsetOutOfRangeError) {
        r.highWatermark = r.lastStableOffset = error.logEndOffset;
        r.logStartOffset = error.logStartOffset;
      }
    }
  }
  return total;
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
