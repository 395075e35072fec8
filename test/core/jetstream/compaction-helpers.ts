/** Reading and checking compacted JetStream partitions, for the compaction suites. */
import { expect } from 'vitest';
import type { Cluster } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { readRecords } from '../conformance/cluster-conformance.js';

export interface Rec {
  key: string;
  value: string | null;
}
export type Read = Map<number, Rec>;

/** Every record of partition 0 from the log start, as a consumer fetching `maxBytes` at a time sees it. */
export async function readFrom0(cluster: Cluster, topic: string, maxBytes = 300): Promise<Read> {
  const records = await readRecords(cluster, topic, 0, await cluster.listOffset(topic, 0, 'earliest'), maxBytes);
  return new Map([...records].map(([offset, r]) => [offset, { key: r.key!.toString(), value: r.value === null ? null : r.value.toString() }]));
}

export const batchOf = (records: readonly Rec[], now: number): Buffer =>
  encodeRecordBatch(records.map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), headers: [] })), { now });

/** Each key's last value in offset order; a key whose last record is a tombstone is absent. */
export function view(read: Read): Map<string, string> {
  const out = new Map<string, string>();
  for (const [, r] of [...read.entries()].sort((a, b) => a[0] - b[0])) {
    if (r.value === null) out.delete(r.key);
    else out.set(r.key, r.value);
  }
  return out;
}

/**
 * The model of a pass that cleaned offsets below `cleanedUpTo`: there, exactly the records that
 * are their key's latest in `before` and not expired tombstones (`expired(offset)`); from it on,
 * every record. Offsets never change.
 */
export function expectCompacted(after: Read, before: Read, cleanedUpTo: number, expired: (offset: number) => boolean): void {
  const latest = new Map<string, number>();
  for (const [offset, r] of [...before].sort((a, b) => a[0] - b[0])) latest.set(r.key, offset);
  const expected = [...before]
    .filter(([offset, r]) => offset >= cleanedUpTo || (latest.get(r.key) === offset && !(r.value === null && expired(offset))))
    .sort((a, b) => a[0] - b[0]);
  expect([...after].sort((a, b) => a[0] - b[0])).toEqual(expected);
}
