/**
 * Which batches a JetStream compaction pass removes (`cleanup.policy=compact` on the JetStream
 * engine; the I/O is in `partition-compactor.ts`). Pure: it sees the partition's batches in
 * sequence (= offset) order and returns the sequences to delete.
 *
 * A JetStream message cannot be rewritten in place, and a replacement appended at the tail would
 * break the order of offsets by sequence that fetch relies on, so — unlike the embedded engine's
 * cleaner (`log-cleaner.ts`), which re-encodes a batch that loses some records — this pass removes
 * whole batches only: a batch goes when every record in it is removable. Offsets never change (the
 * batches left are untouched bytes) and fetch skips the holes. A record is removable when:
 * - a record of the same key sits at a larger offset (Kafka's "latest record per key is kept"),
 * - it has no key (a compacted topic refuses them; they exist only if the policy was switched), or
 * - it is its key's latest record, a tombstone, `delete.retention.ms` has passed since its own
 *   timestamp (as the embedded cleaner measures it), and no older record of its key stays in the
 *   log (a kept batch may still hold one: removing the tombstone would bring that value back).
 * Never removed: the first batch (its base offset is the log start offset, which compaction does
 * not move, as in Kafka) and the last (its last offset is the log end offset).
 */
import type { BatchHeader } from '../protocol/record-batch.js';

/** What the plan needs of one stored record. */
export interface RecordSummary {
  /** The key's bytes as latin1 (one char per byte), or null. */
  key: string | null;
  offset: number;
  tombstone: boolean;
  timestamp: number;
}

export interface BatchSummary {
  seq: number;
  header: BatchHeader;
  records: RecordSummary[];
}

export interface CompactionPlan {
  /** Stream sequences to delete, ascending. */
  remove: number[];
  /**
   * Those of `remove` whose batches hold only superseded records: deleting any subset of them
   * leaves every key's latest record in place, so they may go in any order (in parallel). The
   * rest remove a key's latest record (an expired tombstone) and must go after them, oldest first.
   */
  anyOrder: Set<number>;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** When the earliest tombstone that stays only for `delete.retention.ms` may go (null: none). */
  nextTombstoneExpiry: number | null;
}

/** Plans a pass over `batches` (every stored batch of the partition, in sequence order) at time `now`. */
export function planCompaction(batches: readonly BatchSummary[], now: number, deleteRetentionMs: number): CompactionPlan {
  const latest = new Map<string, number>();
  for (const b of batches) for (const r of b.records) if (r.key !== null) latest.set(r.key, r.offset);
  const superseded = (r: RecordSummary): boolean => r.key === null || latest.get(r.key) !== r.offset;
  const expiredTombstone = (r: RecordSummary): boolean => r.tombstone && r.timestamp + deleteRetentionMs <= now;
  const removable = (b: BatchSummary, i: number, ok: (r: RecordSummary) => boolean): boolean =>
    i > 0 && i < batches.length - 1 && b.records.every(ok);

  // Rounds until nothing changes: each round removes the batches whose records are all superseded,
  // or expired tombstones of keys with no older record left in the batches still kept; a round's
  // removals may free further tombstones (removing only shrinks what is kept, so it ends).
  const gone = new Set<number>();
  for (let changed = true; changed; ) {
    changed = false;
    const olderKept = new Set<string>();
    batches.forEach((b, i) => {
      if (!gone.has(i)) for (const r of b.records) if (r.key !== null && superseded(r)) olderKept.add(r.key);
    });
    batches.forEach((b, i) => {
      if (gone.has(i) || !removable(b, i, (r) => superseded(r) || (expiredTombstone(r) && !olderKept.has(r.key!)))) return;
      gone.add(i);
      changed = true;
    });
  }
  const plan: CompactionPlan = { remove: [], anyOrder: new Set(), recordsRemoved: 0, tombstonesRemoved: 0, nextTombstoneExpiry: null };
  batches.forEach((b, i) => {
    if (gone.has(i)) return;
    for (const r of b.records) {
      const expiry = r.timestamp + deleteRetentionMs;
      if (r.tombstone && !superseded(r) && expiry > now) plan.nextTombstoneExpiry = Math.min(plan.nextTombstoneExpiry ?? expiry, expiry);
    }
  });
  for (const i of [...gone].sort((a, b) => a - b)) {
    plan.remove.push(batches[i].seq);
    if (batches[i].records.every(superseded)) plan.anyOrder.add(batches[i].seq);
    plan.recordsRemoved += batches[i].records.length;
    plan.tombstonesRemoved += batches[i].records.filter((r) => r.tombstone && !superseded(r)).length;
  }
  return plan;
}
