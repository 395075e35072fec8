/**
 * Where a compacted JetStream partition's cleaned prefix is: one KV entry per partition stream in
 * the engine's bucket, `cleaned.<keyToken(stream)>` = JSON `CleanedPrefix`. Offsets below
 * `cleanedUpToOffset` are read from `cleanedStream` (the generation the last pass wrote), the rest
 * from the live stream from sequence `liveFromSeq` on. A pass switches readers to its generation
 * with one compare-and-set on the entry's revision, so readers see the old layout or the new one,
 * never a mix, and two passes can never both switch from the same layout.
 *
 * What the switch leaves behind — the previous generation's stream and the live stream's messages
 * below `liveFromSeq` — is listed in `retired` and deleted by a later pass once
 * `fileDeleteDelayMs` has passed (Kafka's `file.delete.delay.ms`: a reader still holding the old
 * entry finishes its fetch first). A reader that meets a deleted stream or purged sequence reads
 * the entry again (`CleanedPrefixes.refresh`).
 *
 * Every process keeps the entries it has read current with a KV watch (`start`).
 */
import { KvWatchInclude, type KV } from '@nats-io/kv';
import { fromKeyToken, keyToken } from './stream-names.js';
import { retryTransient } from './nats-retry.js';

export interface CleanedPrefix {
  /** Generation number, one more per switch. */
  generation: number;
  cleanedStream: string;
  /** Batches stored in `cleanedStream` (for the dirty ratio). */
  cleanedBatches: number;
  cleanedUpToOffset: number;
  /** Sequence of the live stream's batch at `cleanedUpToOffset`. */
  liveFromSeq: number;
  /** Kafka's log start offset: compaction does not move it. */
  logStartOffset: number;
  /** When the earliest tombstone kept in `cleanedStream` may go (null: none kept). */
  nextTombstoneExpiry: number | null;
  /** Left behind by switches, deleted once `at + fileDeleteDelayMs` has passed. */
  retired: RetiredPart[];
}

/** A previous generation's stream, or the live stream's sequences below `beforeSeq`. */
export type RetiredPart = { at: number; stream: string } | { at: number; liveBeforeSeq: number };

export interface CleanedPrefixEntry {
  value: CleanedPrefix | null;
  /** The entry's KV revision (0: no entry). */
  revision: number;
}

const PREFIX = 'cleaned.';
const entryKey = (stream: string): string => PREFIX + keyToken(stream);

/** The entries of this process's partitions, read on first use and followed by a KV watch. */
export class CleanedPrefixes {
  readonly #kv: KV;
  readonly #known = new Map<string, CleanedPrefix | null>();
  #stopWatch: (() => void) | null = null;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async start(): Promise<void> {
    const watch = await this.#kv.watch({ key: `${PREFIX}>`, include: KvWatchInclude.UpdatesOnly });
    this.#stopWatch = () => watch.stop();
    void (async () => {
      for await (const e of watch) {
        const stream = fromKeyToken(e.key.slice(PREFIX.length));
        if (!this.#known.has(stream)) continue; // not read here yet: read on first use
        this.#known.set(stream, e.operation === 'PUT' ? e.json<CleanedPrefix>() : null);
      }
    })().catch(() => {});
  }

  stop(): void {
    this.#stopWatch?.();
  }

  /** The entry of `stream` as last seen (read from the bucket the first time). */
  async get(stream: string): Promise<CleanedPrefix | null> {
    const known = this.#known.get(stream);
    if (known !== undefined) return known;
    return (await this.refresh(stream)).value;
  }

  /** Reads the entry of `stream` from the bucket. */
  async refresh(stream: string): Promise<CleanedPrefixEntry> {
    const e = await retryTransient(`read the cleaned prefix of ${stream}`, () => this.#kv.get(entryKey(stream)));
    const entry = e && e.operation === 'PUT' ? { value: e.json<CleanedPrefix>(), revision: e.revision } : { value: null, revision: e?.revision ?? 0 };
    this.#known.set(stream, entry.value);
    return entry;
  }

  /**
   * Replaces the entry read at `revision` by `next` (compare-and-set); the new revision, or null
   * when someone else changed it meanwhile.
   */
  async swap(stream: string, revision: number, next: CleanedPrefix | null): Promise<number | null> {
    try {
      const key = entryKey(stream);
      let r: number;
      if (next === null) {
        await this.#kv.delete(key, { previousSeq: revision });
        r = 0;
      } else r = revision === 0 ? await this.#kv.create(key, JSON.stringify(next)) : await this.#kv.update(key, JSON.stringify(next), revision);
      this.#known.set(stream, next);
      return r;
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) return null;
      throw error;
    }
  }

  /** Forgets `stream` (its topic was deleted): removes the entry. */
  async remove(stream: string): Promise<void> {
    this.#known.delete(stream);
    await retryTransient(`delete the cleaned prefix of ${stream}`, () => this.#kv.purge(entryKey(stream)));
  }
}
