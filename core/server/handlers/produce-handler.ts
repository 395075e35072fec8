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
 */
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, fencedForVersion, kafkaErrorCode, kafkaErrorMessage } from '../../protocol/kafka/index.js';
import { BATCH_HEADER_BYTES, LOG_OVERHEAD, MAGIC_V2 } from '../../protocol/record-batch.js';
import type { RequestContext } from '../request-context.js';

const MAGIC_OFFSET = 16;

export async function handleProduce(body: Message, { cluster }: RequestContext): Promise<Message | null> {
  const acks = body.acks as number;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const responses = await Promise.all(
    (body.topicData as Message[]).map(async (topic) => ({
      name: topic.name,
      partitionResponses: await Promise.all(
        (topic.partitionData as Message[]).map(async (p) => {
          const result = { index: p.index, errorCode: ErrorCode.NONE, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null as string | null };
          if (!validAcks) return { ...result, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, errorMessage: `acks must be 0, 1 or -1, got ${acks}` };
          const batches = splitBatches(p.records as Buffer | null);
          if (typeof batches === 'string') return { ...result, errorCode: ErrorCode.INVALID_RECORD, errorMessage: `${topic.name}-${p.index}: ${batches}` };
          try {
            for (const batch of batches) {
              const { baseOffset } = await cluster.produce(topic.name, p.index, batch, { acks: acks as 0 | 1 | -1 });
              if (result.baseOffset < 0) result.baseOffset = baseOffset;
            }
            return result;
          } catch (error) {
            return { ...result, errorCode: fencedForVersion(kafkaErrorCode(error), 0, Infinity), errorMessage: kafkaErrorMessage(error) };
          }
        }),
      ),
    })),
  );
  return acks === 0 ? null : { responses, throttleTimeMs: 0 };
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
