/**
 * Where a sink's records come from: the narrow interface the sink runner needs from a consumer,
 * and its implementation on core's group consumer (group `connect-<name>`, manual commits).
 * The runner commits only offsets whose records the destination acknowledged; since it commits
 * after every batch and before the next `poll` (where rebalances happen), a revoked partition
 * never has acknowledged-but-uncommitted records.
 */
import { createGroupConsumer, type Cluster, type ConsumerRecord, type GroupConsumer, type OffsetCommitEntry, type TopicPartition } from '../../core/index.js';

export type RawRecord = ConsumerRecord<Buffer | null, Buffer | null>;

export interface SinkInput {
  /** Records of the assigned partitions (joining the group first if needed), waiting up to `timeoutMs`. */
  poll(maxRecords: number, timeoutMs: number): Promise<RawRecord[]>;
  /** Stores the next offsets to read, per partition (call only after the destination acknowledged). */
  commit(offsets: readonly OffsetCommitEntry[]): Promise<void>;
  /**
   * Moves committed offsets past the transaction markers that follow the last records (call when
   * every record polled was acknowledged and a poll found nothing new), so an idle sink shows no lag.
   */
  commitPastMarkers(): Promise<void>;
  /** Records not yet acknowledged (log end − committed), summed over the assignment; undefined while nothing is assigned. */
  lag(): Promise<number | undefined>;
  /** Stop or restart fetching (polls keep the group membership alive meanwhile). */
  pause(): void;
  resume(): void;
  /** Leaves the group. */
  close(): Promise<void>;
}

export interface GroupSinkInputOptions {
  groupId: string;
  topics: readonly string[];
  autoOffsetReset: 'earliest' | 'latest';
}

/** A `SinkInput` on a `GroupConsumer`. */
export class GroupSinkInput implements SinkInput {
  readonly #cluster: Cluster;
  readonly #consumer: GroupConsumer;
  readonly #groupId: string;
  /** The last committed offset per partition (as far as this member knows). */
  readonly #committed = new Map<string, number>();
  #paused = false;

  constructor(cluster: Cluster, options: GroupSinkInputOptions) {
    this.#cluster = cluster;
    this.#groupId = options.groupId;
    this.#consumer = createGroupConsumer(cluster, {
      groupId: options.groupId,
      topics: options.topics,
      enableAutoCommit: false,
      autoOffsetReset: options.autoOffsetReset,
      // Sources write in transactions: a sink delivers committed records only.
      isolationLevel: 'read_committed',
      maxPartitionFetchBytes: 4 * 1024 * 1024,
      assignors: ['cooperative-sticky'],
    });
  }

  async poll(maxRecords: number, timeoutMs: number): Promise<RawRecord[]> {
    // Partitions assigned by a rebalance during the previous poll start unpaused.
    if (this.#paused) this.#consumer.pause(this.#consumer.assignment());
    return this.#consumer.poll({ maxRecords, timeoutMs });
  }

  async commit(offsets: readonly OffsetCommitEntry[]): Promise<void> {
    if (offsets.length === 0) return;
    // Past the transaction markers that end what was fetched, when every record fetched was handed
    // out (and the runner commits only what the destination acknowledged): a caught-up sink shows
    // no lag at once, not after its next empty poll.
    const moved = offsets.map((o) => {
      const drained = this.#consumer.drainedPosition(o);
      return drained !== null && drained > o.offset ? { ...o, offset: drained } : o;
    });
    await this.#consumer.commitSync(moved);
    for (const o of moved) this.#committed.set(`${o.topic}\u0000${o.partition}`, o.offset);
  }

  async commitPastMarkers(): Promise<void> {
    const offsets: OffsetCommitEntry[] = [];
    for (const tp of this.#consumer.assignment()) {
      const committed = this.#committed.get(key(tp));
      const drained = this.#consumer.drainedPosition(tp);
      if (committed !== undefined && drained !== null && drained > committed) offsets.push({ topic: tp.topic, partition: tp.partition, offset: drained });
    }
    await this.commit(offsets);
  }

  async lag(): Promise<number | undefined> {
    const assignment = this.#consumer.assignment();
    if (assignment.length === 0) return undefined;
    const unknown = assignment.filter((tp) => !this.#committed.has(key(tp)));
    if (unknown.length > 0) {
      for (const c of await this.#cluster.fetchOffsets(this.#groupId, unknown)) this.#committed.set(key(c), c.offset);
    }
    let lag = 0;
    for (const tp of assignment) {
      // The log end, not the last stable offset: an upstream transaction still open is work to come,
      // and the commit moves past the markers once the records are written.
      const end = await this.#cluster.listOffset(tp.topic, tp.partition, 'latest');
      // Not committed yet: count from where this member reads (the reset policy's choice).
      const start = this.#committed.get(key(tp)) ?? (await this.#consumer.position(tp));
      lag += Math.max(0, end - start);
    }
    return lag;
  }

  pause(): void {
    this.#paused = true;
    this.#consumer.pause(this.#consumer.assignment());
  }

  resume(): void {
    this.#paused = false;
    this.#consumer.resume(this.#consumer.assignment());
  }

  close(): Promise<void> {
    return this.#consumer.close();
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
