/**
 * The in-process hop of repartition topics: when one process runs every task of an application,
 * the records an upstream task writes to a repartition topic are also handed, decoded (key and value
 * objects, no bytes to read back), to the downstream task reading that partition in the same
 * process. The bytes are still written to the topic — for durability, for a restart and for any
 * other process that takes the tasks over — but the downstream task does not fetch, check and
 * decode them again, and it need not wait for the upstream transaction to commit to see them.
 *
 * ## Why this is exactly-once (Kafka's EOS v2 reasoning, one transaction per process)
 *
 * A downstream task reads records of upstream transactions that are still open. That is sound only
 * if its own effects (changelog writes, its input offsets) can never be visible while those
 * transactions might still abort, so commits go through a barrier (`CommitBarrier`) instead of each
 * task's own interval: every task stops between two batches, upstream sub-topologies first (so a
 * downstream task stops only once it processed everything handed to it), then the tasks commit in
 * the same order — a downstream task after every upstream one it read from — and resume. What
 * a crash leaves:
 * - before the upstream commits: both transactions are open; the next owners' `initTransactions`
 *   abort them, the upstream reprocesses its input and the downstream reads the new records from
 *   the topic (read_committed);
 * - between them: the upstream's records are committed, the downstream's state and offsets are
 *   not; it restores its stores from the changelogs and reads the records from the topic again.
 * - an upstream failure aborts its transaction and fails the application before any downstream
 *   commit (a barrier with a failed task commits nothing), so no downstream effect of an aborted
 *   record is ever committed; a task lost to the group closes every task of the process uncommitted.
 * At a barrier a downstream task has processed every record written to its hop partitions, so its
 * committed offset there is the partition's end: the last stable offset, as every upstream
 * transaction just committed.
 *
 * ## When the hop is used
 * Only under `exactly_once_v2`, and only when this process runs every task of the application
 * (started together; `TaskManager.add`), so that every writer of a repartition partition is a task
 * of this process — with transactional ids, an older owner of one was fenced and its open
 * transaction aborted before the hop started. With tasks spread over processes, records of other
 * processes would interleave with the handed-over ones in the partition and an offset could no
 * longer say what was processed; such partitions are read from the topic, read_committed. Under
 * `at_least_once` there is no fencing: an instance that lost its tasks may still be writing
 * (a zombie), so the downstream could not tell its position from what it was handed.
 *
 * Records handed over are the objects the upstream sink had, not a decoding of their bytes: a serde
 * that does not give back what it was given (JSON and a `Date`) shows the difference only to readers
 * in other processes, or after a restart.
 */
import type { ProduceReceipt, RecordHeader, TopicPartition } from '../../core/index.js';
import type { HandedOverRecord, InputRecord } from '../processor/source-reader.js';
import type { OutputRecord } from '../processor/task-environment.js';
import type { HopInbox } from './hop-inbox.js';
import type { TaskWriter } from './task-writer.js';
import { keepFieldsTagged, tpKey } from '../../core/index.js';

/** The shape of the input records `#handOver` makes, its timestamp kept tagged (see `core/tagged-fields.ts`). */
export const handedOverSample = keepFieldsTagged({ topic: null, partition: null, offset: null, timestamp: null, key: null, value: null, headers: null, hop: null, origin: null });

export class RepartitionHop {
  readonly #topics: ReadonlySet<string>;
  readonly #inboxes = new Map<string, HopInbox>();
  readonly #handedOver: (count: number) => void;

  /**
   * @param topics the repartition topics carried
   * @param handedOver told how many records were handed over (the downstream's "fetched" records)
   */
  constructor(topics: Iterable<string>, handedOver: (count: number) => void) {
    this.#topics = new Set(topics);
    this.#handedOver = handedOver;
  }

  /** True when `topic` is carried by the hop. */
  carries(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** Lets `inbox` take the records of its partitions. */
  register(inbox: HopInbox): void {
    for (const tp of inbox.partitions()) this.#inboxes.set(tpKey(tp), inbox);
  }

  /**
   * Writes `records` through the upstream task's writer and, once they are acknowledged, hands
   * each one — the key and value of `decoded`, at its offset — to the inbox of its partition.
   * Resolves when the downstream inboxes have room again (backpressure).
   */
  send(writer: TaskWriter, topic: string, records: readonly OutputRecord[], decoded: readonly { key: unknown; value: unknown }[]): Promise<void> {
    // The wait for room holds only the inboxes: an async function waiting there kept the send's
    // records (and through them the batch's input records) alive for as long as the downstream lagged.
    let sent: Promise<ProduceReceipt>;
    try {
      sent = writer.sendBatch(records);
    } catch (err) {
      // As from the async function this was: a refusal (e.g. no transaction to begin) rejects.
      return Promise.reject(err);
    }
    return sent.then((receipt) => this.#handOver(topic, records, decoded, receipt)).then(waitForRoom);
  }

  /** Hands the acknowledged records to the inboxes of their partitions; returns the inboxes that took some. */
  #handOver(topic: string, records: readonly OutputRecord[], decoded: readonly { key: unknown; value: unknown }[], receipt: ProduceReceipt): Set<HopInbox> {
    // Per partition, in the order of the send (which is the offset order within it); each list
    // sized up front (counted first) rather than grown by `push`. Indexed by partition number.
    const counts: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const partition = receipt.partitionOf(i);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    const lists: InputRecord[][] = [];
    const filled: number[] = [];
    for (let p = 0; p < counts.length; p++) {
      lists.push(counts[p] === undefined ? [] : new Array<InputRecord>(counts[p]));
      filled.push(0);
    }
    for (let i = 0; i < records.length; i++) {
      const partition = receipt.partitionOf(i);
      const out = records[i];
      const d = decoded[i];
      const headers = out.headers as RecordHeader[];
      // What the downstream source reads, made once here: one object that is the input record, the
      // record read and its origin (see `InputRecord.hop`). The shape of `handedOverSample`: keep the two in step.
      const input: HandedOverRecord = {
        topic,
        partition,
        offset: receipt.offsetOf(i),
        timestamp: out.timestamp,
        key: out.key === null ? null : d.key,
        value: out.value === null ? null : d.value,
        headers,
        hop: undefined,
        origin: undefined as never,
      };
      input.hop = input;
      input.origin = input;
      lists[partition][filled[partition]++] = input;
    }
    const touched = new Set<HopInbox>();
    for (let partition = 0; partition < lists.length; partition++) {
      const list = lists[partition];
      if (list.length === 0) continue;
      const tp: TopicPartition = { topic, partition };
      const inbox = this.#inboxes.get(tpKey(tp));
      // No reader here: impossible while this process runs every task; the topic has the records.
      if (inbox === undefined) continue;
      inbox.accept(tp, list);
      touched.add(inbox);
    }
    this.#handedOver(records.length);
    return touched;
  }
}

async function waitForRoom(inboxes: Set<HopInbox>): Promise<void> {
  for (const inbox of inboxes) await inbox.waitForRoom();
}
