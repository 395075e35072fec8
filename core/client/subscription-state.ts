/**
 * What a group consumer subscribes to and holds (Kafka's SubscriptionState): the subscription (a
 * topic list or a pattern) and the topics it resolves to now; the partitions assigned to the member
 * and the generation they came with; per partition the offset a commit would store (one past the
 * last record handed out, or a seek target, or the starting position); and the newly assigned
 * partitions still waiting for a starting position.
 *
 * Plain bookkeeping: no I/O but `resolveTopics`, no awaits in between.
 */
import type { Cluster, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { InvalidConfigError } from '../errors.js';
import { partitionKey } from '../topic-partition-key.js';


export class SubscriptionState {
  #subscription: readonly string[] | RegExp | null = null;
  /** The topic names the subscription resolved to at the last (re)join. */
  topics: string[] = [];
  #owned: TopicPartition[] = [];
  #ownedKeys = new Set<string>();
  /** The generation in which the member got `owned`. */
  ownedGeneration = -1;
  readonly #consumed = new Map<string, OffsetCommitEntry>();
  #needPositions: TopicPartition[] = [];

  /** @throws InvalidConfigError for anything but a list of topic names or a RegExp */
  subscribe(topics: readonly string[] | RegExp): void {
    if (!(topics instanceof RegExp) && (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || t === ''))) {
      throw new InvalidConfigError('subscribe takes a list of topic names or a RegExp', 'topics');
    }
    this.#subscription = topics instanceof RegExp ? topics : [...new Set(topics)].sort();
  }

  get subscribed(): boolean {
    return this.#subscription !== null;
  }

  get isPattern(): boolean {
    return this.#subscription instanceof RegExp;
  }

  /** The topics the subscription names now (a pattern is matched against every non-internal topic). */
  async resolveTopics(cluster: Cluster): Promise<string[]> {
    const subscription = this.#subscription;
    if (subscription === null) return [];
    if (!(subscription instanceof RegExp)) return [...subscription];
    const pattern = new RegExp(subscription.source, subscription.flags.replace(/[gy]/g, ''));
    return (await cluster.listTopics()).filter((t) => pattern.test(t)).sort();
  }

  get owned(): readonly TopicPartition[] {
    return this.#owned;
  }

  owns(topic: string, partition: number): boolean {
    return this.#ownedKeys.has(partitionKey(topic, partition));
  }

  /** Splits a new assignment against what is held: partitions added, and partitions revoked. */
  diff(assigned: readonly TopicPartition[]): { added: TopicPartition[]; revoked: TopicPartition[] } {
    const assignedKeys = new Set(assigned.map((tp) => partitionKey(tp.topic, tp.partition)));
    return {
      added: assigned.filter((tp) => !this.owns(tp.topic, tp.partition)),
      revoked: this.#owned.filter((tp) => !assignedKeys.has(partitionKey(tp.topic, tp.partition))),
    };
  }

  /** Takes `assigned` as the holding of `generationId`; `added` partitions wait for a position. */
  assign(assigned: readonly TopicPartition[], generationId: number, added: readonly TopicPartition[]): void {
    this.#setOwned(assigned.map((tp) => ({ topic: tp.topic, partition: tp.partition })));
    this.ownedGeneration = generationId;
    this.#needPositions.push(...added);
  }

  /** Forgets partitions given up (revoked or lost), with their positions. */
  drop(partitions: readonly TopicPartition[]): void {
    const gone = new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const k of gone) this.#consumed.delete(k);
    this.#setOwned(this.#owned.filter((tp) => !gone.has(partitionKey(tp.topic, tp.partition))));
    this.#needPositions = this.#needPositions.filter((tp) => !gone.has(partitionKey(tp.topic, tp.partition)));
  }

  #setOwned(owned: TopicPartition[]): void {
    this.#owned = owned;
    this.#ownedKeys = new Set(owned.map((tp) => partitionKey(tp.topic, tp.partition)));
  }

  /** Sets the offset a commit of `topic`-`partition` would store. */
  setConsumed(topic: string, partition: number, offset: number): void {
    this.#consumed.set(partitionKey(topic, partition), { topic, partition, offset });
  }

  /** Marks `records` handed out: per partition, one past the last of them. */
  markConsumed(records: readonly { topic: string; partition: number; offset: number }[]): void {
    // Records of one partition are contiguous in a poll: record the last of each run.
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const next = records[i + 1];
      if (next && next.partition === r.partition && next.topic === r.topic) continue;
      this.setConsumed(r.topic, r.partition, r.offset + 1);
    }
  }

  /** What a commit without explicit offsets stores: the consumed position of every held partition that has one. */
  consumedOffsets(): OffsetCommitEntry[] {
    const out: OffsetCommitEntry[] = [];
    for (const tp of this.#owned) {
      const c = this.#consumed.get(partitionKey(tp.topic, tp.partition));
      if (c) out.push({ ...c });
    }
    return out;
  }

  /** Newly assigned partitions without a starting position yet. */
  get needPositions(): readonly TopicPartition[] {
    return this.#needPositions;
  }

  positionsResolved(partitions: readonly TopicPartition[]): void {
    this.#needPositions = this.#needPositions.filter((tp) => !partitions.includes(tp));
  }
}
