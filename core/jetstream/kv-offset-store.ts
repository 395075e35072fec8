/**
 * Committed group offsets in the JetStream engine's KV bucket: one entry per group,
 * `offsets.<base64url(groupId)>`, JSON `{ offsets: CommittedOffset[] }`, replicated like the
 * bucket. One entry per group makes a multi-partition commit all-or-nothing, and its revision is
 * the coordinator's fencing token: a coordinator adopts a group by reading the entry's revision and
 * writes only with `update(key, value, revision)`, so once another process took the group over and
 * wrote, every later write of the old coordinator fails (it then drops the group) — a commit is
 * never accepted by two coordinators.
 *
 * Memory holds only the groups this process coordinates (adopted); any process reads any group's
 * offsets with `readCommittedOffsets`.
 *
 * Concurrency: writes of one group are chained, each with the revision the previous one returned.
 */
import type { KV } from '@nats-io/kv';
import type { CommittedOffset, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import type { CommittedOffsetStore } from '../engine/group-coordinator.js';
import { NotCoordinatorError } from '../errors.js';
import { retryTransient } from './nats-retry.js';
import { fromKeyToken, keyToken } from './stream-names.js';
import { partitionKey } from '../topic-partition-key.js';

const OFFSETS = 'offsets.';

export function offsetsKey(groupId: string): string {
  return OFFSETS + keyToken(groupId);
}

/** The group id of an `offsets.*` key. */
export function groupOfOffsetsKey(key: string): string {
  return fromKeyToken(key.slice(OFFSETS.length));
}

interface Adopted {
  offsets: Map<string, CommittedOffset>;
  revision: number;
  writing: Promise<void>;
}


function sorted(list: CommittedOffset[]): CommittedOffset[] {
  return list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** Any group's committed offsets (only the given partitions, when given), read from the bucket. */
export async function readCommittedOffsets(kv: KV, groupId: string, partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
  const entry = await retryTransient(`read offsets of group "${groupId}"`, () => kv.get(offsetsKey(groupId)));
  if (!entry || entry.operation !== 'PUT') return [];
  const all = entry.json<{ offsets: CommittedOffset[] }>().offsets;
  if (!partitions) return sorted(all);
  const wanted = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
  return sorted(all.filter((c) => wanted.has(partitionKey(c.topic, c.partition))));
}

export class KvOffsetStore implements CommittedOffsetStore {
  readonly #kv: KV;
  readonly #onFenced: (groupId: string) => void;
  readonly #groups = new Map<string, Adopted>();

  constructor(kv: KV, onFenced: (groupId: string) => void) {
    this.#kv = kv;
    this.#onFenced = onFenced;
  }

  /** Loads a group this process starts coordinating, taking its revision as the fencing token. */
  async adopt(groupId: string): Promise<void> {
    const entry = await retryTransient(`read offsets of group "${groupId}"`, () => this.#kv.get(offsetsKey(groupId)));
    const offsets = new Map<string, CommittedOffset>();
    if (entry?.operation === 'PUT') for (const c of entry.json<{ offsets: CommittedOffset[] }>().offsets) offsets.set(partitionKey(c.topic, c.partition), c);
    this.#groups.set(groupId, { offsets, revision: entry?.revision ?? 0, writing: Promise.resolve() });
  }

  forget(groupId: string): void {
    this.#groups.delete(groupId);
  }

  load(): void {
    // Groups are loaded one by one when adopted.
  }

  groupIds(): string[] {
    return [...this.#groups.entries()].filter(([, g]) => g.offsets.size > 0).map(([id]) => id);
  }

  has(groupId: string): boolean {
    return (this.#groups.get(groupId)?.offsets.size ?? 0) > 0;
  }

  offsets(groupId: string, partitions?: readonly TopicPartition[]): CommittedOffset[] {
    const group = this.#groups.get(groupId);
    if (!group) return [];
    if (!partitions) return sorted([...group.offsets.values()].map((c) => ({ ...c })));
    return sorted(partitions.flatMap((p) => {
      const c = group.offsets.get(partitionKey(p.topic, p.partition));
      return c ? [{ ...c }] : [];
    }));
  }

  commit(groupId: string, entries: readonly OffsetCommitEntry[]): { committed: CommittedOffset[]; durable: Promise<void> } {
    const group = this.#adopted(groupId);
    const commitTimestamp = Date.now();
    const committed = entries.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', commitTimestamp }));
    for (const c of committed) group.offsets.set(partitionKey(c.topic, c.partition), c);
    return { committed, durable: this.#write(groupId, group) };
  }

  delete(groupId: string, topic?: string): { deleted: number; durable: Promise<void> } {
    const group = this.#groups.get(groupId);
    if (!group) return { deleted: 0, durable: Promise.resolve() };
    let deleted = 0;
    for (const [key, c] of group.offsets) {
      if (topic === undefined || c.topic === topic) {
        group.offsets.delete(key);
        deleted++;
      }
    }
    return { deleted, durable: deleted > 0 ? this.#write(groupId, group) : Promise.resolve() };
  }

  #adopted(groupId: string): Adopted {
    const group = this.#groups.get(groupId);
    if (!group) throw new NotCoordinatorError(groupId, 'it was not adopted');
    return group;
  }

  /** Writes the group's whole current map with CAS on the last revision (chained per group). */
  #write(groupId: string, group: Adopted): Promise<void> {
    const run = group.writing.then(async () => {
      if (this.#groups.get(groupId) !== group) throw new NotCoordinatorError(groupId, 'the group moved to another process');
      const value = JSON.stringify({ offsets: [...group.offsets.values()] });
      try {
        group.revision = await retryTransient(`commit offsets of group "${groupId}"`, () =>
          group.revision === 0 ? this.#kv.create(offsetsKey(groupId), value) : this.#kv.update(offsetsKey(groupId), value, group.revision),
        );
      } catch (error) {
        if (!/wrong last sequence|exists/i.test((error as Error).message)) throw error;
        this.#groups.delete(groupId);
        this.#onFenced(groupId);
        throw new NotCoordinatorError(groupId, 'another process wrote its offsets');
      }
    });
    group.writing = run.catch(() => {});
    return run;
  }
}
