/**
 * Who compacts a JetStream partition: a lease per partition stream in the engine's KV bucket,
 * `compaction.<keyToken(stream)>` = the holder's id, taken and renewed by CAS on the entry's
 * revision, as the group coordinator's leases (`group-router.ts`) are. A free (absent or deleted)
 * lease is taken with `create`; a held one only after this process watched the same revision for
 * `leaseMs` on its own clock (its holder died mid-pass or stopped renewing), so no clock has to
 * agree with another's. The holder renews while it works and releases the lease when done.
 *
 * The lease keeps passes from overlapping (they would repeat each other's reads); correctness does
 * not rest on it: a pass only deletes batches that were already removable, so a holder that lost
 * its lease and has not noticed yet deletes nothing another pass would keep.
 */
import type { KV } from '@nats-io/kv';
import { keyToken } from './stream-names.js';

const leaseKey = (stream: string): string => `compaction.${keyToken(stream)}`;

export class CompactionLeases {
  readonly #kv: KV;
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #now: () => number;
  /** Other holders' leases as first seen: revision and when. */
  readonly #seen = new Map<string, { revision: number; since: number }>();

  constructor(kv: KV, owner: string, leaseMs: number, now: () => number = Date.now) {
    this.#kv = kv;
    this.#owner = owner;
    this.#leaseMs = leaseMs;
    this.#now = now;
  }

  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** Takes the lease of `stream`; its revision, or null when another process holds it. */
  async acquire(stream: string): Promise<number | null> {
    const key = leaseKey(stream);
    const entry = await this.#kv.get(key);
    try {
      if (!entry || entry.operation !== 'PUT') return await this.#kv.create(key, this.#owner);
      const seen = this.#seen.get(key);
      if (!seen || seen.revision !== entry.revision) {
        this.#seen.set(key, { revision: entry.revision, since: this.#now() });
        return null;
      }
      if (this.#now() - seen.since < this.#leaseMs) return null;
      return await this.#kv.update(key, this.#owner, entry.revision);
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) return null; // another process got there first
      throw error;
    }
  }

  /** Renews a held lease; its new revision, or null when it was taken over meanwhile. */
  async renew(stream: string, revision: number): Promise<number | null> {
    try {
      return await this.#kv.update(leaseKey(stream), this.#owner, revision);
    } catch (error) {
      if (/wrong last sequence/i.test((error as Error).message)) return null;
      throw error;
    }
  }

  /** Gives the lease up (if still held at `revision`), so the next pass anywhere may start at once. */
  async release(stream: string, revision: number): Promise<void> {
    await this.#kv.delete(leaseKey(stream), { previousSeq: revision }).catch(() => {});
  }
}
