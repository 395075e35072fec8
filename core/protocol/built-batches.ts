/**
 * Record batches that this process's producer built and handed to a cluster in the same process:
 * the one case where a log may append a batch without computing its CRC-32C a second time.
 *
 * Kafka's broker checks the CRC of every produced batch because the bytes crossed a network from
 * another process. A batch the embedded engine gets from our own producer never left this
 * process: `RecordBatchBuilder.build` computed its CRC over bytes in a buffer only the producer's
 * pending batch holds, and nothing writes them until the produce call settles (the buffer goes
 * back to the producer's pool only then). Checking it again would read every byte a second time —
 * for large records, a third of the produce path. Every read still checks the CRC before serving.
 *
 * A mark is one-shot (a retry, or any other append of the same bytes, is checked in full) and
 * holds only while the CRC field still has the value it was built with.
 *
 * Concurrency: synchronous; entries are weak, so a batch a remote cluster sent away leaves nothing.
 */

/** Batch → the CRC field it was built with. */
const builtHere = new WeakMap<Buffer, number>();

/** Byte position of the CRC field in a RecordBatch v2 (see `record-batch.ts`). */
const CRC_OFFSET = 17;

/**
 * Marks `batch` — just returned by `RecordBatchBuilder.build` and handed straight to a cluster —
 * as built in this process.
 */
export function markBuiltHere(batch: Buffer): void {
  builtHere.set(batch, batch.readUInt32BE(CRC_OFFSET));
}

/**
 * True when `batch` carries a mark from `markBuiltHere` and its CRC field (`crc`, as read from its
 * header) is still the one it was built with; the mark is used up either way.
 */
export function takeBuiltHere(batch: Buffer, crc: number): boolean {
  const built = builtHere.get(batch);
  if (built === undefined) return false;
  builtHere.delete(batch);
  return built === crc;
}
