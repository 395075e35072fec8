/**
 * Who compacts a JetStream partition: a lease per partition stream in the engine's KV bucket,
 * `compaction.<keyToken(stream)>` = JSON `{ owner }`, taken and renewed by CAS on the entry's
 * revision, as the group coordinator's leases (`group-router.ts`) are. A free lease (absent, or
 * `owner` null) is taken at once; a held one only after this process watched the same revision
 * for `leaseMs` on its own clock (its holder died mid-pass or stopped renewing), so no clock has to
 * agree with another's. The holder renews while it works and frees the lease when done.
 *
 * The lease keeps passes from overlapping (they would repeat each other's work); correctness does
 * not rest on it: a pass switches readers to its generation by CAS on the cleaned-prefix entry
 * (`cleaned-prefix.ts`), so of two passes that started from the same layout one switches at most.
 */
import type { KV } from '@nats-io/kv';
import { keyToken } from './stream-names.js';

const leaseKey = (stream: string): string => `compaction.${keyToken(stream)}`;

interface LeaseValue {
  owner: string | null;
}

/** A held lease: its revision. */
export interface HeldLease {
  revision: number;
}

const encode = (value: LeaseValue): string => JSON.stringify(value);

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

  /** Takes the lease of `stream`; null when another process holds it. */
  async acquire(stream: string): Promise<HeldLease | null> {
    const key = leaseKey(stream);
    const entry = await this.#kv.get(key);
    try {
      if (!entry || entry.operation !== 'PUT') return { revision: await this.#kv.create(key, encode({ owner: this.#owner })) };
      const take = async (): Promise<HeldLease> => ({ revision: await this.#kv.update(key, encode({ owner: this.#owner }), entry.revision) });
      if (entry.json<LeaseValue>().owner === null) return await take();
      const seen = this.#seen.get(key);
      if (!seen || seen.revision !== entry.revision) {
        this.#seen.set(key, { revision: entry.revision, since: this.#now() });
        return null;
      }
      if (this.#now() - seen.since < this.#leaseMs) return null;
      return await take();
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) return null; // another process got there first
      throw error;
    }
  }

  /** Renews a held lease; its new revision, or null when it was taken over meanwhile. */
  async renew(stream: string, held: HeldLease): Promise<number | null> {
    try {
      return await this.#kv.update(leaseKey(stream), encode({ owner: this.#owner }), held.revision);
    } catch (error) {
      if (/wrong last sequence/i.test((error as Error).message)) return null;
      throw error;
    }
  }

  /** Frees the lease (if still held at `held.revision`), so the next pass anywhere may start at once. */
  async release(stream: string, held: HeldLease): Promise<void> {
    await this.#kv.update(leaseKey(stream), encode({ owner: null }), held.revision).catch(() => {});
  }
}
