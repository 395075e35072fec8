/**
 * Rebuilds a partition's producer state and aborted-transaction indexes on open, as Kafka's
 * `LogLoader` does with `ProducerStateManager`: restore the newest `.snapshot` at or below the log
 * end offset, then replay every batch from that offset to the end (each marker closing its
 * producer's open transaction, each ABORT adding its entry to the `.txnindex` of the segment it
 * lies in). Without a usable snapshot the replay starts at the log start.
 *
 * Snapshots above the log end (recovery cut the tail they described) are deleted; of the rest,
 * `writeSnapshot` keeps the newest two.
 *
 * Concurrency: synchronous; called by `Log` from its constructor, roll and close.
 */
import { readControlType } from '../protocol/control-record.js';
import { isControlBatch } from '../protocol/record-batch.js';
import type { LogSegment } from './log-segment.js';
import type { LogStorage } from './log-storage.js';
import { decodeProducerSnapshot, encodeProducerSnapshot, SNAPSHOT_FILE, snapshotFileName } from './producer-snapshot.js';
import type { ProducerState } from './producer-state.js';

const SNAPSHOTS_KEPT = 2;

function snapshotOffsets(storage: LogStorage): number[] {
  const out: number[] = [];
  for (const name of storage.list()) {
    const m = SNAPSHOT_FILE.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => b - a);
}

/** Fills `producers` (and the segments' `.txnindex` files) from the newest snapshot plus a replay. */
export function loadProducerState(storage: LogStorage, segments: readonly LogSegment[], producers: ProducerState, readOnly: boolean): void {
  const logEnd = segments[segments.length - 1].nextOffset;
  let start = segments[0].baseOffset;
  producers.clear();
  for (const offset of snapshotOffsets(storage)) {
    if (offset > logEnd) {
      if (!readOnly) storage.remove(snapshotFileName(offset));
      continue;
    }
    if (offset < start) break; // describes offsets retention has deleted since: replay all
    const bytes = storage.readFile(snapshotFileName(offset));
    const entries = bytes && decodeProducerSnapshot(bytes);
    if (entries) {
      producers.restore(entries);
      start = offset;
      break;
    }
  }
  for (const segment of segments) {
    if (segment.nextOffset <= start) continue;
    segment.txnIndex.truncateTo(start, readOnly);
    for (const at of segment.batches()) {
      const { header } = at;
      if (header.baseOffset < start) continue;
      if (!isControlBatch(header)) {
        producers.update(header, header.baseOffset);
        continue;
      }
      const aborted = producers.update(header, header.baseOffset, readControlType(segment.readBatch(at), 0, header));
      if (aborted) segment.txnIndex.append(aborted, readOnly);
    }
  }
}

/** Writes the state as of `offset` and deletes all but the newest snapshots. */
export function writeSnapshot(storage: LogStorage, offset: number, producers: ProducerState): void {
  storage.writeFile(snapshotFileName(offset), encodeProducerSnapshot(producers.entries()), false);
  for (const old of snapshotOffsets(storage).slice(SNAPSHOTS_KEPT)) storage.remove(snapshotFileName(old));
}
