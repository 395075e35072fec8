/**
 * The record sets of a Fetch response read into a pooled frame, lent to the fetcher until each is
 * taken (copied into memory of its own) or dropped; the frame goes back to its pool when none is
 * left, so the next large response reuses memory already mapped.
 *
 * Why not hand out views of the frame: records are the consumer's record memory (its keys and
 * values are views of them, kept as long as the application likes), so a frame they point into
 * could never be reused; and a frame answering several partitions at once (one FetchRequest per
 * broker) is a multi-MiB allocation that usually outlives a young-generation collection, so V8
 * frees it only in a full one, with fresh memory (a page fault per 4 KiB) for every frame in
 * between — profiled, that cost the client more than decoding the records. Why copy only when
 * taken: a copy made as the response arrives waits, like the frame, while the consumer reads
 * other partitions, and so lands in fresh memory too; taken as the consumer starts on it, it
 * lives no longer than an embedded read's buffer, and is read while still in the CPU's caches.
 *
 * Invariant: a frame goes back to its pool only when every record set leased from it was taken or
 * dropped; one never settled (an answer dropped without `dropRecords`) keeps its frame from the
 * pool, which the garbage collector then frees. Concurrency: synchronous.
 */
import type { Message } from '../protocol/kafka/index.js';
import type { FrameBufferPool } from '../server/frame-buffer-pool.js';

interface FrameLease {
  frame: Buffer;
  pool: FrameBufferPool;
  /** Record sets not yet taken or dropped. */
  open: number;
}

const leases = new WeakMap<Buffer, FrameLease>();

/** Leases the non-empty record sets of `body`, a Fetch response decoded from `frame`, which `pool` lent. */
export function leaseRecords(body: Message, frame: Buffer, pool: FrameBufferPool): void {
  const lease: FrameLease = { frame, pool, open: 0 };
  for (const topic of body.responses as Message[]) {
    for (const partition of topic.partitions as Message[]) {
      const records = partition.records as Buffer | null;
      if (records === null || records.length === 0) continue;
      leases.set(records, lease);
      lease.open++;
    }
  }
  if (lease.open === 0) pool.release(frame);
}

/** The record set to keep: a copy of its own when `records` is leased (settling it), else `records` itself. */
export function takeRecords(records: Buffer): Buffer {
  const lease = leases.get(records);
  if (lease === undefined) return records;
  const own = Buffer.allocUnsafe(records.length);
  records.copy(own);
  settle(records, lease);
  return own;
}

/** Gives up a leased record set that will not be read. */
export function dropRecords(records: Buffer): void {
  const lease = leases.get(records);
  if (lease !== undefined) settle(records, lease);
}

function settle(records: Buffer, lease: FrameLease): void {
  leases.delete(records);
  if (--lease.open === 0) lease.pool.release(lease.frame);
}
