/**
 * Produce: appends each partition's record batches through `Cluster.produce`, partitions in
 * parallel, the batches of one partition in order. Only RecordBatch v2 (magic 2) is accepted, as
 * Kafka does for Produce v3+: an older message set gets INVALID_RECORD and nothing of that
 * partition is written. Batches are stored as sent (compressed ones too); the log stamps the base
 * offset, which lies outside the CRC. acks=0 gets no response at all, as in Kafka.
 *
 * A transactional batch is checked by the cluster (its producer's epoch is current, its partition
 * added to the open transaction); a fenced producer gets INVALID_PRODUCER_EPOCH, as Kafka's
 * partition answers (Produce has no PRODUCER_FENCED), and a partition not added INVALID_TXN_STATE.
 * Transactional batches in a request without a transactional id get
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka answers (KafkaApis authorizes them by that id,
 * with or without an authorizer configured).
 */
import type { Cluster, ProduceOptions } from '../../cluster.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, fencedForVersion, kafkaErrorCode, kafkaErrorMessage } from '../../protocol/kafka/index.js';
import { BATCH_HEADER_BYTES, isTransactionalBatch, LOG_OVERHEAD, MAGIC_V2 } from '../../protocol/record-batch.js';
import type { RequestContext } from '../request-context.js';

const MAGIC_OFFSET = 16;

/** A partition's answer; `recordErrors` is shared (nothing is ever added to it). */
interface PartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: readonly never[];
  errorMessage: string | null;
}

const NO_RECORD_ERRORS: readonly never[] = [];

/**
 * Every partition's appends start before the first await, in request order, and the request waits
 * once for them all. Cheap per request on purpose — at 10,000 records/s with linger.ms=0 a client
 * sends thousands of one-partition requests per second, and every object made here is GC work
 * (pauses that land in the produce latency's tail).
 */
export async function handleProduce(body: Message, { cluster }: RequestContext): Promise<Message | null> {
  const acks = body.acks as number;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const options = { acks: acks as 0 | 1 | -1 };
  const transactionalId = (body.transactionalId as string | null | undefined) ?? null;
  const pending: Promise<void>[] = [];
  const responses = (body.topicData as Message[]).map((topic) => ({
    name: topic.name,
    partitionResponses: (topic.partitionData as Message[]).map((p) => {
      const result: PartitionResponse = { index: p.index, errorCode: ErrorCode.NONE, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: NO_RECORD_ERRORS, errorMessage: null };
      if (!validAcks) return refused(result, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${acks}`);
      const batches = splitBatches(p.records as Buffer | null);
      if (typeof batches === 'string') return refused(result, ErrorCode.INVALID_RECORD, `${topic.name}-${p.index}: ${batches}`);
      if (transactionalId === null && batches.some(isTransactionalBatch)) {
        return refused(result, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `${topic.name}-${p.index}: a transactional batch in a Produce request without a transactional id`);
      }
      pending.push(appendBatches(cluster, topic.name, p.index, batches, options, result));
      return result;
    }),
  }));
  if (pending.length === 1) await pending[0];
  else if (pending.length > 1) await Promise.all(pending);
  return acks === 0 ? null : { responses, throttleTimeMs: 0 };
}

function refused(result: PartitionResponse, errorCode: number, errorMessage: string): PartitionResponse {
  result.errorCode = errorCode;
  result.errorMessage = errorMessage;
  return result;
}

/** Appends one partition's batches in order into `result`; a failure becomes its error code. */
async function appendBatches(cluster: Cluster, topic: string, partition: number, batches: Buffer[], options: ProduceOptions, result: PartitionResponse): Promise<void> {
  try {
    for (const batch of batches) {
      const { baseOffset } = await cluster.produce(topic, partition, batch, options);
      if (result.baseOffset < 0) result.baseOffset = baseOffset;
    }
  } catch (error) {
    refused(result, fencedForVersion(kafkaErrorCode(error), 0, Infinity), kafkaErrorMessage(error));
  }
}

/** The record batches of a partition's records field, or why they are refused. */
function splitBatches(records: Buffer | null): Buffer[] | string {
  if (records === null || records.length === 0) return 'no records';
  const batches: Buffer[] = [];
  for (let pos = 0; pos < records.length; ) {
    if (records.length - pos < LOG_OVERHEAD + 5) return `truncated record batch at byte ${pos}`;
    const magic = records.readInt8(pos + MAGIC_OFFSET);
    if (magic !== MAGIC_V2) return `message format v${magic} is not supported: Produce v3+ takes only record batches of magic 2 (Kafka 0.11+)`;
    const size = records.readInt32BE(pos + 8) + LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES || pos + size > records.length) return `record batch at byte ${pos} declares ${size} bytes, ${records.length - pos} present`;
    batches.push(records.subarray(pos, pos + size));
    pos += size;
  }
  return batches;
}
