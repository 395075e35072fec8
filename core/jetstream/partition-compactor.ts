/**
 * One compaction pass over a JetStream partition stream (`cleanup.policy=compact`): reads every
 * stored batch up to the tail seen at the start, plans with `planCompaction` (whole batches whose
 * records are all superseded or expired tombstones) and deletes them from the stream: the
 * superseded-only ones in parallel, then those removing tombstones, oldest first.
 *
 * Who runs it: `JetStreamCluster.runMaintenance`, in every Sluice process on the engine's
 * maintenance timer (`maintenanceIntervalMs`, default 60 s); a `CompactionLeases` lease makes one
 * process at a time compact a given partition.
 *
 * Why it is safe while producers and consumers run, and after a crash at any point:
 * - It only deletes messages (`STREAM.MSG.DELETE`), never writes one, and never the last one: an
 *   append lands after the tail and is never touched, so no concurrent append is lost or reordered,
 *   and offsets never change (kept batches are the stored bytes).
 * - Every deleted batch was removable when planned and stays so as the log grows (a superseded
 *   record stays superseded; an expired tombstone goes only when nothing older of its key stays).
 *   Superseded-only batches never hold a key's latest record, and a tombstone goes only after
 *   every older record of its key, so a reader meeting any stage of the deletions — a reader in
 *   the middle of a pass, or the log left by a process killed mid-pass — sees each key's latest
 *   record, and never an old value without the tombstone or newer value that follows it. A pass killed
 *   midway leaves a log that is smaller but complete; the next pass (after the lease expires)
 *   finishes the job.
 * - Every batch is CRC-checked before it counts: a corrupt one aborts the pass (CorruptRecordError)
 *   with nothing deleted.
 * When: a pass starts only when the log is dirty enough — the messages appended since the last
 * complete pass's tail (its checkpoint, kept in the lease entry) are at least
 * `min.cleanable.dirty.ratio` of the stored ones, as Kafka's cleaner decides — or when a tombstone
 * that pass kept has reached `delete.retention.ms`. Cost: a pass reads the whole partition and
 * holds a summary of every record (key, offset) in memory.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { CorruptRecordError } from '../errors.js';
import { batchCrcMatches, isControlBatch } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import { planCompaction, type BatchSummary } from './compaction-plan.js';
import type { CompactionCheckpoint, CompactionLeases, HeldLease } from './compaction-lease.js';
import { retryTransient } from './nats-retry.js';
import type { PartitionStream } from './partition-stream.js';

const PARALLEL_READS = 32;
const PARALLEL_DELETES = 32;

export interface PartitionCompactionOptions {
  /** The pass's clock, for `delete.retention.ms` (default `Date.now()`). */
  now?: number;
  deleteRetentionMs: number;
  /** Kafka's `min.cleanable.dirty.ratio`. */
  minCleanableDirtyRatio: number;
}

export interface PartitionCompactionResult {
  batchesScanned: number;
  batchesRemoved: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** Messages appended since the last complete pass, over the stored ones (1 before any pass). */
  dirtyRatio: number;
  /** Why the pass did not run or stopped early: another process holds the lease, or took it over meanwhile, or the log is clean enough. */
  skipped?: 'leased' | 'lease-lost' | 'clean-enough';
}

/** Compacts `stream` once, if this process gets its lease. */
export async function compactPartition(stream: PartitionStream, jsm: JetStreamManager, leases: CompactionLeases, options: PartitionCompactionOptions): Promise<PartitionCompactionResult> {
  const result: PartitionCompactionResult = { batchesScanned: 0, batchesRemoved: 0, recordsRemoved: 0, tombstonesRemoved: 0, dirtyRatio: 0 };
  const now = options.now ?? Date.now();
  const held: HeldLease | null = await retryTransient(`take the compaction lease of ${stream.stream}`, () => leases.acquire(stream.stream));
  if (held === null) return { ...result, skipped: 'leased' };
  let checkpoint: CompactionCheckpoint | null = held.checkpoint;
  let renewedAt = Date.now();
  /** Renews the lease when a third of it has passed; false once it was lost. */
  const holdLease = async (): Promise<boolean> => {
    if (Date.now() - renewedAt < leases.leaseMs / 3) return true;
    const revision = await leases.renew(stream.stream, held);
    renewedAt = Date.now();
    if (revision === null) return false;
    held.revision = revision;
    return true;
  };
  try {
    const tail = await stream.readTail();
    const info = await retryTransient(`describe ${stream.stream}`, () => jsm.streams.info(stream.stream));
    const cleanedSeq = checkpoint?.cleanedSeq ?? 0;
    result.dirtyRatio = info.state.messages === 0 ? 0 : Math.min(1, Math.max(0, tail.seq - cleanedSeq) / info.state.messages);
    const tombstoneDue = checkpoint?.nextTombstoneExpiry != null && now >= checkpoint.nextTombstoneExpiry;
    if (info.state.messages === 0 || (!tombstoneDue && (result.dirtyRatio === 0 || result.dirtyRatio < options.minCleanableDirtyRatio))) {
      return { ...result, skipped: 'clean-enough' };
    }
    const batches: BatchSummary[] = [];
    const records: StoredRecord[] = [];
    for (let seq = info.state.first_seq; seq <= tail.seq; seq += PARALLEL_READS) {
      if (!(await holdLease())) return { ...result, skipped: 'lease-lost' };
      const n = Math.min(PARALLEL_READS, tail.seq - seq + 1);
      const got = await Promise.all(Array.from({ length: n }, (_, i) => stream.get(seq + i)));
      for (const m of got) {
        if (!m) continue; // deleted by an earlier pass or purged by retention
        if (!batchCrcMatches(m.bytes, 0, m.header)) {
          throw new CorruptRecordError(`${stream.topic}-${stream.partition}: batch at offset ${m.header.baseOffset} (stream ${stream.stream} sequence ${m.seq}) fails its CRC; compaction stopped, nothing deleted`);
        }
        records.length = 0;
        if (!isControlBatch(m.header)) decodeRecords(m.bytes, 0, m.header, records);
        batches.push({
          seq: m.seq,
          header: m.header,
          records: records.map((r) => ({ key: r.key === null ? null : r.key.toString('latin1'), offset: r.offset, tombstone: r.value === null, timestamp: r.timestamp })),
        });
      }
    }
    result.batchesScanned = batches.length;
    const plan = planCompaction(batches, now, options.deleteRetentionMs);
    // Superseded-only batches in parallel (any subset gone keeps every key's latest record), then
    // the ones removing expired tombstones, oldest first, so a reader (or a crash) between two
    // deletions never sees a value the tombstone hid come back.
    const free = plan.remove.filter((seq) => plan.anyOrder.has(seq));
    for (let i = 0; i < free.length; i += PARALLEL_DELETES) {
      if (!(await holdLease())) return { ...result, skipped: 'lease-lost' };
      await Promise.all(free.slice(i, i + PARALLEL_DELETES).map((seq) => retryTransient(`compact ${stream.stream}`, () => deleteIfPresent(jsm, stream.stream, seq))));
      result.batchesRemoved += Math.min(PARALLEL_DELETES, free.length - i);
    }
    for (const seq of plan.remove.filter((s) => !plan.anyOrder.has(s))) {
      if (!(await holdLease())) return { ...result, skipped: 'lease-lost' };
      await retryTransient(`compact ${stream.stream}`, () => deleteIfPresent(jsm, stream.stream, seq));
      result.batchesRemoved++;
    }
    result.recordsRemoved = plan.recordsRemoved;
    result.tombstonesRemoved = plan.tombstonesRemoved;
    checkpoint = { cleanedSeq: tail.seq, nextTombstoneExpiry: plan.nextTombstoneExpiry };
    return result;
  } finally {
    await leases.release(stream.stream, held, checkpoint);
  }
}

/** Deletes message `seq`; one already gone (retention purged it) is fine. */
async function deleteIfPresent(jsm: JetStreamManager, stream: string, seq: number): Promise<void> {
  try {
    await jsm.streams.deleteMessage(stream, seq, false);
  } catch (error) {
    if (!/no message found|not found/i.test((error as Error).message)) throw error;
  }
}
