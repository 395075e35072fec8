/**
 * Committed group offsets: kept in memory for reads, stored in the compacted internal topic
 * `__consumer_offsets` (see `core/group/offset-records.ts` for the record layout) and read back
 * from it when the broker opens. A group's records all go to one partition of the topic
 * (Kafka's `abs(hashCode(groupId)) % partitions`), so its commits are totally ordered.
 *
 * Durability: a commit is acknowledged after its batch is written to the log (it survives a
 * process crash), and after fdatasync too when the topic's `flush.messages` is 1. A commit of
 * several partitions is one batch: all of it is stored, or none.
 *
 * Transactional commits (Kafka's TxnOffsetCommit) are written as a transactional batch with the
 * producer's id and epoch and stay pending — invisible to `offsets` — until the coordinator's
 * COMMIT marker (`completeTransaction`) makes them the group's offsets or its ABORT drops them;
 * reading the topic back does the same with the markers it finds.
 *
 * Concurrency: `commit` appends and updates memory synchronously (no await in between), so the
 * coordinator's generation checks and the write cannot interleave with another request.
 */
import type { CommittedOffset, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { CorruptLogError, OffsetOutOfRangeError, UnstableOffsetCommitError } from '../errors.js';
import { reportCorruption } from '../log/corruption-report.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetsPartitionFor } from '../group/offset-records.js';
import { readControlType } from '../protocol/control-record.js';
import { encodeRecordBatch, isControlBatch, isTransactional, readBatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { RecordInput, StoredRecord } from '../protocol/record.js';
import type { Log } from '../log/log.js';
import { partitionKey } from '../topic-partition-key.js';

export interface OffsetsTopicAccess {
  /** The partition logs of `__consumer_offsets`, or null while the topic does not exist. */
  existing(): readonly Log[] | null;
  /** The partition logs, creating the topic first if needed (Kafka creates it on first use too). */
  create(): readonly Log[];
}

const READ_BYTES = 1024 * 1024;

export class OffsetStore {
  readonly #access: OffsetsTopicAccess;
  readonly #now: () => number;
  /** groupId → "topic\0partition" → committed offset. */
  #groups = new Map<string, Map<string, CommittedOffset>>();
  /** Producer id → its transaction's pending commits (groupId → "topic\0partition" → offset). */
  #pending = new Map<number, Map<string, Map<string, CommittedOffset>>>();
  /** Per partition of the topic: the next offset to read back (read-only views follow the writer). */
  #loaded: number[] = [];

  constructor(access: OffsetsTopicAccess, now: () => number) {
    this.#access = access;
    this.#now = now;
  }

  /** Reads what was appended to the topic since the last load (everything, the first time). */
  load(): void {
    const logs = this.#access.existing();
    if (!logs) return;
    for (const log of logs) {
      try {
        this.#loadPartition(log);
      } catch (err) {
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        // The log start moved past what we had read: read the partition again from its start.
        this.#loaded = [];
        this.#groups = new Map();
        this.#pending = new Map();
        return this.load();
      }
    }
  }

  #loadPartition(log: Log): void {
    log.refresh(); // read-only views: pick up what the owning process appended
    let offset = Math.max(this.#loaded[log.partition] ?? 0, log.logStartOffset);
    while (offset < log.logEndOffset) {
      let bytes: Buffer;
      try {
        ({ bytes } = log.read(offset, READ_BYTES));
      } catch (err) {
        if (!(err instanceof CorruptLogError)) throw err;
        // The log keeps damaged commits on disk and refuses to serve them: go on after them (the
        // commits they held fall back to earlier ones), and say so.
        const next = err.nextOffset !== null && err.nextOffset > offset ? err.nextOffset : log.logEndOffset;
        reportCorruption({
          kind: 'offsets-skipped',
          file: err.file,
          topic: log.topic,
          partition: log.partition,
          position: err.position,
          firstOffset: offset,
          nextOffset: next,
          message: `committed offsets at ${log.topic}-${log.partition} offsets ${offset} to ${next - 1} are damaged and were skipped (${err.message}); groups whose last commit was there resume from their earlier commit`,
        });
        offset = next;
        continue;
      }
      if (bytes.length === 0) break;
      const records: StoredRecord[] = [];
      for (let pos = 0; pos < bytes.length; ) {
        const header = readBatchHeader(bytes, pos);
        if (isControlBatch(header)) {
          this.completeTransaction(header.producerId, readControlType(bytes, pos, header) === 'COMMIT');
        } else {
          records.length = 0;
          decodeRecords(bytes, pos, header, records, offset);
          for (const record of records) this.#apply(record, isTransactional(header) ? header.producerId : -1);
        }
        pos += header.sizeInBytes;
        offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
      }
    }
    this.#loaded[log.partition] = offset;
  }

  #apply(record: StoredRecord, transactionalProducerId: number): void {
    if (record.key === null) return;
    const key = decodeOffsetKey(record.key);
    if (!key) return; // group metadata or a future record kind
    if (record.value === null) {
      this.#remove(key.groupId, key.topic, key.partition);
      return;
    }
    const value = decodeOffsetValue(record.value);
    const c = { groupId: key.groupId, topic: key.topic, partition: key.partition, ...value };
    if (transactionalProducerId >= 0) this.#setPending(transactionalProducerId, c);
    else this.#set(c);
  }

  #setPending(producerId: number, c: CommittedOffset & { groupId: string }): void {
    let txn = this.#pending.get(producerId);
    if (!txn) this.#pending.set(producerId, (txn = new Map()));
    let group = txn.get(c.groupId);
    if (!group) txn.set(c.groupId, (group = new Map()));
    group.set(partitionKey(c.topic, c.partition), { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, commitTimestamp: c.commitTimestamp });
  }

  /** Applies (commit) or drops (abort) the pending transactional commits of `producerId`. */
  completeTransaction(producerId: number, committed: boolean): void {
    const txn = this.#pending.get(producerId);
    if (!txn) return;
    this.#pending.delete(producerId);
    if (!committed) return;
    for (const [groupId, offsets] of txn) for (const c of offsets.values()) this.#set({ groupId, ...c });
  }

  /**
   * @throws UnstableOffsetCommitError when a transaction not yet complete holds a commit of the
   *   group for one of `partitions` (all of the group's, when omitted).
   */
  assertStable(groupId: string, partitions?: readonly TopicPartition[]): void {
    for (const [producerId, txn] of this.#pending) {
      const group = txn.get(groupId);
      if (!group) continue;
      for (const c of group.values()) {
        if (partitions && !partitions.some((tp) => tp.topic === c.topic && tp.partition === c.partition)) continue;
        throw new UnstableOffsetCommitError(
          `group "${groupId}": the offset of ${c.topic}-${c.partition} is part of producer ${producerId}'s transaction, not yet committed or aborted; ask again`,
        );
      }
    }
  }

  #set(c: CommittedOffset & { groupId: string }): void {
    let group = this.#groups.get(c.groupId);
    if (!group) this.#groups.set(c.groupId, (group = new Map()));
    group.set(partitionKey(c.topic, c.partition), { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, commitTimestamp: c.commitTimestamp });
  }

  #remove(groupId: string, topic: string, partition: number): void {
    const group = this.#groups.get(groupId);
    if (!group) return;
    group.delete(partitionKey(topic, partition));
    if (group.size === 0) this.#groups.delete(groupId);
  }

  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  has(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  /** The group's committed offsets, ordered by topic and partition. */
  offsets(groupId: string, partitions?: readonly TopicPartition[]): CommittedOffset[] {
    const group = this.#groups.get(groupId);
    if (!group) return [];
    let out: CommittedOffset[];
    if (partitions) {
      out = [];
      for (const tp of partitions) {
        const c = group.get(partitionKey(tp.topic, tp.partition));
        if (c) out.push({ ...c });
      }
    } else out = [...group.values()].map((c) => ({ ...c }));
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /**
   * Stores `offsets` for `groupId` as one batch. Memory is updated as soon as the batch is in the
   * log; the promise resolves when the batch is as durable as the topic's flush policy promises.
   */
  commit(groupId: string, offsets: readonly OffsetCommitEntry[]): { committed: CommittedOffset[]; durable: Promise<void> } {
    const commitTimestamp = this.#now();
    const committed = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', commitTimestamp }));
    const records = committed.map((c) => ({ key: encodeOffsetKey({ groupId, ...c }), value: encodeOffsetValue(c), timestamp: commitTimestamp }));
    const durable = this.#append(groupId, records);
    for (const c of committed) this.#set({ groupId, ...c });
    return { committed, durable };
  }

  /** Writes tombstones for the group's offsets (all, or those of `topic`); returns how many. */
  delete(groupId: string, topic?: string): { deleted: number; durable: Promise<void> } {
    const doomed = this.offsets(groupId).filter((c) => topic === undefined || c.topic === topic);
    if (doomed.length === 0) return { deleted: 0, durable: Promise.resolve() };
    const now = this.#now();
    const durable = this.#append(
      groupId,
      doomed.map((c) => ({ key: encodeOffsetKey({ groupId, topic: c.topic, partition: c.partition }), value: null, timestamp: now })),
    );
    for (const c of doomed) this.#remove(groupId, c.topic, c.partition);
    return { deleted: doomed.length, durable };
  }

  /**
   * Stores `offsets` as part of a transaction of producer `producerId`: pending until its marker
   * (see `completeTransaction`). Returns the partition of the topic written (the one the
   * transaction's marker must go to) and the durability promise.
   */
  commitTransactional(
    groupId: string,
    offsets: readonly OffsetCommitEntry[],
    producer: { producerId: number; producerEpoch: number },
  ): { durable: Promise<void> } {
    const commitTimestamp = this.#now();
    const committed = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', commitTimestamp }));
    const records = committed.map((c) => ({ key: encodeOffsetKey({ groupId, ...c }), value: encodeOffsetValue(c), timestamp: commitTimestamp }));
    const durable = this.#append(groupId, records, producer);
    for (const c of committed) this.#setPending(producer.producerId, { groupId, ...c });
    return { durable };
  }

  /** The partition of the topic holding `groupId`'s records (creating the topic if needed). */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.#access.create().length);
  }

  #append(groupId: string, records: RecordInput[], producer?: { producerId: number; producerEpoch: number }): Promise<void> {
    const logs = this.#access.create();
    const log = logs[offsetsPartitionFor(groupId, logs.length)];
    const batch = producer
      ? encodeRecordBatch(records, { now: this.#now(), producer: { ...producer, baseSequence: -1 }, transactional: true })
      : encodeRecordBatch(records, { now: this.#now() });
    const info = log.append(batch, producer ? { origin: 'coordinator' } : {});
    // Our own appends need no reading back.
    if ((this.#loaded[log.partition] ?? 0) >= info.baseOffset) this.#loaded[log.partition] = info.lastOffset + 1;
    return info.durable ?? Promise.resolve();
  }
}
