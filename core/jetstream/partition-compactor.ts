/**
 * One compaction pass over a JetStream partition (`cleanup.policy=compact`), as Kafka's cleaner
 * does it: the log's prefix — the current cleaned generation's stream, then the live stream's
 * batches after it up to (not including) the last — is rewritten into a new generation's stream
 * (`stream-names.ts`: `…#c<G>-<tag>`) keeping each key's latest record at its offset
 * (`prefix-cleaner.ts`: base offsets and offset deltas kept, re-encoded by the embedded engine's
 * cleaner code), and readers are switched to it by one compare-and-set on the partition's
 * cleaned-prefix entry (`cleaned-prefix.ts`).
 *
 * Steps, under the partition's compaction lease (`compaction-lease.ts`):
 * 1. Garbage: delete what earlier switches retired once `fileDeleteDelayMs` (Kafka's
 *    `file.delete.delay.ms`) has passed — old generations' streams, the live stream's cleaned
 *    sequences (a purge below `liveFromSeq`) — and every generation stream the entry does not
 *    name (orphans of passes that died or lost their CAS before switching).
 * 2. Decide: run when the batches appended since the last switch are at least
 *    `min.cleanable.dirty.ratio` of the prefix's (Kafka's rule, counted in batches), or a kept
 *    tombstone reached `delete.retention.ms`.
 * 3. Map every key of the prefix and of the last batch to its largest offset (reading once).
 * 4. Read the prefix again, clean each batch, publish what stays into the new stream, in order.
 *    With `compact,delete`, the leading batches older than `retention.ms` are left out and the
 *    log start offset moves past them (Kafka's retention deleting the oldest segments).
 * 5. Switch: CAS the entry to `{cleanedStream, cleanedUpToOffset: the last batch's base offset,
 *    liveFromSeq: its sequence, …}`, retiring the replaced streams.
 *
 * Why this is safe while producers and consumers run, and after a crash at any point: nothing a
 * reader can see is written or deleted before the switch (appends go to the live stream after the
 * last batch, which is never cleaned: it holds the log end offset, like Kafka's active segment);
 * the switch is atomic; what it replaces is deleted only after the grace delay, and a reader that
 * held the old entry past it reads the entry again (`partition-log.ts`). A process killed before
 * the switch leaves an orphan stream that the next pass deletes, and the log as it was. Every
 * batch is CRC-checked before it counts: a corrupt one aborts the pass (CorruptRecordError) with
 * nothing switched.
 *
 * Who runs it: `JetStreamCluster.runMaintenance`, in every Sluice process on the engine's
 * maintenance timer (`maintenanceIntervalMs`, default 60 s: Kafka's `log.cleaner.backoff.ms`
 * between checks); the lease makes one process at a time compact a given partition.
 * Cost: a pass reads the prefix twice and holds every distinct key in memory.
 */
import type { JetStreamClient, JetStreamManager, PubAck, StreamConfig } from '@nats-io/jetstream';
import { CorruptRecordError, SluiceError } from '../errors.js';
import { batchCrcMatches } from '../protocol/record-batch.js';
import type { CleanedPrefix, CleanedPrefixEntry, CleanedPrefixes } from './cleaned-prefix.js';
import type { CompactionLeases, HeldLease } from './compaction-lease.js';
import { retryTransient } from './nats-retry.js';
import type { Located, PartitionStream } from './partition-stream.js';
import type { PartitionLog } from './partition-log.js';
import { cleanBatch, mapKeys, type KeyMap } from './prefix-cleaner.js';
import { cleanedStreamName, cleanedStreamSubject, cleanedSubjectFilter } from './stream-names.js';

const PARALLEL_READS = 32;
const PUBLISHES_IN_FLIGHT = 64;

/** What a pass needs of the engine. */
export interface CompactionContext {
  jsm: JetStreamManager;
  js: JetStreamClient;
  prefixes: CleanedPrefixes;
  leases: CompactionLeases;
  /** The engine's stream and subject prefix. */
  prefix: string;
  /** The config of a new generation's stream (the partition's replicas and limits). */
  streamConfig: (name: string, subject: string) => Partial<StreamConfig> & { name: string };
  /** A reader of one of the partition's generation streams. */
  open: (cleanedStream: string) => PartitionStream;
}

export interface PartitionCompactionOptions {
  /** The pass's clock, for `delete.retention.ms`, `retention.ms` and the grace delay (default `Date.now()`). */
  now?: number;
  deleteRetentionMs: number;
  /** Kafka's `min.cleanable.dirty.ratio`. */
  minCleanableDirtyRatio: number;
  /** Kafka's `file.delete.delay.ms`: how long replaced streams stay readable. */
  fileDeleteDelayMs: number;
  /** `retention.ms` for `compact,delete` (absent or negative: none). */
  retentionMs?: number;
}

export interface PartitionCompactionResult {
  batchesScanned: number;
  batchesWritten: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** Batches appended since the last switch over the prefix's batches (0 for an empty prefix). */
  dirtyRatio: number;
  /** Streams deleted: retired generations past the grace delay and orphans. */
  streamsDeleted: number;
  /** The generation switched in. */
  generation?: number;
  cleanedUpToOffset?: number;
  /** Why nothing was switched: another process holds the lease or took it over meanwhile, the log is clean enough, or another pass switched first. */
  skipped?: 'leased' | 'lease-lost' | 'clean-enough' | 'switched-elsewhere';
}

/** Compacts the partition once, if this process gets its lease. */
export async function compactPartition(log: PartitionLog, context: CompactionContext, options: PartitionCompactionOptions): Promise<PartitionCompactionResult> {
  const result: PartitionCompactionResult = { batchesScanned: 0, batchesWritten: 0, recordsRemoved: 0, tombstonesRemoved: 0, dirtyRatio: 0, streamsDeleted: 0 };
  const stream = log.live.stream;
  const now = options.now ?? Date.now();
  const held: HeldLease | null = await retryTransient(`take the compaction lease of ${stream}`, () => context.leases.acquire(stream));
  if (held === null) return { ...result, skipped: 'leased' };
  let renewedAt = Date.now();
  /** Renews the lease when a third of it has passed; false once it was lost. */
  const holdLease = async (): Promise<boolean> => {
    if (Date.now() - renewedAt < context.leases.leaseMs / 3) return true;
    const revision = await context.leases.renew(stream, held);
    renewedAt = Date.now();
    if (revision === null) return false;
    held.revision = revision;
    return true;
  };
  let created: string | null = null;
  let switched = false;
  try {
    const entry = await collectGarbage(log, context, await context.prefixes.refresh(stream), now, options.fileDeleteDelayMs, result);
    const current = entry.value;
    const state = await log.live.streamState();
    if (state.messages === 0) return { ...result, skipped: 'clean-enough' };
    const last = await readAt(log.live, state.last_seq);
    // (A compact,delete topic's retention.bytes may have dropped live batches past liveFromSeq.)
    const liveFrom = Math.max(current?.liveFromSeq ?? 0, state.first_seq);
    const dirty = Math.max(0, last.seq - liveFrom);
    const cleanedBatches = current?.cleanedBatches ?? 0;
    result.dirtyRatio = dirty === 0 ? 0 : dirty / (cleanedBatches + dirty);
    const tombstoneDue = current?.nextTombstoneExpiry != null && now > current.nextTombstoneExpiry; // it goes once strictly older, as in cleanBatch
    if (!tombstoneDue && (dirty === 0 || result.dirtyRatio < options.minCleanableDirtyRatio)) return { ...result, skipped: 'clean-enough' };

    // The prefix: the current generation's batches (dense sequences from 1), then the live ones before the last.
    const sources: BatchRange[] = [{ reader: log.live, from: liveFrom, to: last.seq - 1 }];
    if (current && cleanedBatches > 0) sources.unshift({ reader: context.open(current.cleanedStream), from: 1, to: cleanedBatches });
    // The stream first: from here on, a crash leaves an orphan for the next pass to delete.
    const generation = (current?.generation ?? 0) + 1;
    const name = cleanedStreamName(stream, generation);
    const subject = cleanedStreamSubject(context.prefix, stream, name);
    await retryTransient(`create ${name}`, () => context.jsm.streams.add(context.streamConfig(name, subject)));
    created = name;
    const latest: KeyMap = new Map();
    if (!(await forEachBatch(sources, holdLease, log, (m) => mapKeys(latest, m.bytes, m.header)))) return { ...result, skipped: 'lease-lost' };
    mapKeys(latest, last.bytes, last.header); // the last batch stays live for good: its records shadow older ones
    const publisher = new OrderedPublisher(context.js, name, subject);
    let logStartOffset = current?.logStartOffset ?? null;
    let expiring = (options.retentionMs ?? -1) >= 0;
    let nextTombstoneExpiry: number | null = null;
    const completed = await forEachBatch(sources, holdLease, log, async (m) => {
      result.batchesScanned++;
      logStartOffset ??= m.header.baseOffset;
      if (expiring && m.header.maxTimestamp < now - options.retentionMs!) {
        logStartOffset = Math.max(logStartOffset, m.header.baseOffset + m.header.lastOffsetDelta + 1);
        result.recordsRemoved += m.header.recordCount;
        return;
      }
      expiring = false;
      const cleaned = cleanBatch(m.bytes, m.header, latest, now, options.deleteRetentionMs);
      result.recordsRemoved += cleaned.recordsRemoved;
      result.tombstonesRemoved += cleaned.tombstonesRemoved;
      if (cleaned.nextTombstoneExpiry !== null) nextTombstoneExpiry = Math.min(nextTombstoneExpiry ?? cleaned.nextTombstoneExpiry, cleaned.nextTombstoneExpiry);
      if (cleaned.bytes) await publisher.publish(cleaned.bytes);
    });
    await publisher.flush();
    result.batchesWritten = publisher.published;
    if (!completed || !(await holdLease())) return { ...result, skipped: 'lease-lost' };

    const next: CleanedPrefix = {
      generation,
      cleanedStream: name,
      cleanedBatches: publisher.published,
      cleanedUpToOffset: last.header.baseOffset,
      liveFromSeq: last.seq,
      logStartOffset: logStartOffset ?? last.header.baseOffset,
      nextTombstoneExpiry,
      retired: [...(current?.retired ?? []), ...(current ? [{ at: now, stream: current.cleanedStream }] : []), { at: now, liveBeforeSeq: last.seq }],
    };
    if ((await context.prefixes.swap(stream, entry.revision, next)) === null) return { ...result, skipped: 'switched-elsewhere' };
    switched = true;
    return { ...result, generation, cleanedUpToOffset: next.cleanedUpToOffset };
  } finally {
    // Not switched in: nobody reads it. (A process killed before this line leaves it to the next pass.)
    if (created && !switched) await deleteStream(context.jsm, created).catch(() => {});
    await context.leases.release(stream, held);
  }
}

/**
 * Step 1 (see the file comment). Returns the entry as it now stands (its retired list trimmed
 * by CAS; when that CAS fails — another pass switched meanwhile — the entry read again).
 */
async function collectGarbage(log: PartitionLog, context: CompactionContext, entry: CleanedPrefixEntry, now: number, delayMs: number, result: PartitionCompactionResult): Promise<CleanedPrefixEntry> {
  const stream = log.live.stream;
  const current = entry.value;
  const named = new Set<string>([...(current ? [current.cleanedStream] : []), ...(current?.retired ?? []).flatMap((r) => ('stream' in r ? [r.stream] : []))]);
  const orphans: string[] = [];
  for await (const name of context.jsm.streams.names(cleanedSubjectFilter(context.prefix, stream))) if (!named.has(name)) orphans.push(name);
  for (const name of orphans) if (await deleteStream(context.jsm, name)) result.streamsDeleted++;
  if (!current) return entry;
  const due = current.retired.filter((r) => r.at + delayMs <= now);
  if (due.length === 0) return entry;
  for (const r of due) {
    if ('stream' in r) {
      if (await deleteStream(context.jsm, r.stream)) result.streamsDeleted++;
    } else {
      await retryTransient(`purge the cleaned prefix of ${stream}`, () => context.jsm.streams.purge(stream, { seq: r.liveBeforeSeq }));
    }
  }
  const next = { ...current, retired: current.retired.filter((r) => !due.includes(r)) };
  const revision = await context.prefixes.swap(stream, entry.revision, next);
  return revision === null ? context.prefixes.refresh(stream) : { value: next, revision };
}

interface BatchRange {
  reader: PartitionStream;
  from: number;
  to: number;
}

/** Calls `each` on every batch of `ranges` in order (CRC-checked), reading ahead in parallel; false when the lease was lost. */
async function forEachBatch(ranges: readonly BatchRange[], holdLease: () => Promise<boolean>, log: PartitionLog, each: (m: Located) => void | Promise<void>): Promise<boolean> {
  for (const { reader, from, to } of ranges) {
    for (let seq = from; seq <= to; seq += PARALLEL_READS) {
      if (!(await holdLease())) return false;
      const n = Math.min(PARALLEL_READS, to - seq + 1);
      const got = await Promise.all(Array.from({ length: n }, (_, i) => reader.get(seq + i)));
      for (const m of got) {
        if (!m) continue; // a hole: a message deleted by the whole-batch compactor of earlier versions
        if (!batchCrcMatches(m.bytes, 0, m.header)) {
          throw new CorruptRecordError(`${log.topic}-${log.partition}: batch at offset ${m.header.baseOffset} (stream ${reader.stream} sequence ${m.seq}) fails its CRC; compaction stopped, nothing switched`);
        }
        await each(m);
      }
    }
  }
  return true;
}

/** The stream's last batch (it always exists: nothing deletes a partition stream's last message). */
async function readAt(reader: PartitionStream, seq: number): Promise<Located> {
  const m = await reader.get(seq);
  if (!m) throw new CorruptRecordError(`stream ${reader.stream} has no message at its last sequence ${seq}; compaction stopped, nothing switched`);
  return m;
}

/** Deletes a stream; false when it was already gone. */
async function deleteStream(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    return await retryTransient(`delete ${name}`, () => jsm.streams.delete(name));
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return false;
    throw error;
  }
}

/**
 * Publishes batches to a fresh generation stream in order, up to `PUBLISHES_IN_FLIGHT` at once
 * (publishes on one connection are stored in the order sent); every acknowledgement must carry
 * the next sequence, or the pass stops (nothing is switched).
 */
class OrderedPublisher {
  readonly #js: JetStreamClient;
  readonly #stream: string;
  readonly #subject: string;
  readonly #inFlight: Promise<void>[] = [];
  published = 0;
  #sent = 0;

  constructor(js: JetStreamClient, stream: string, subject: string) {
    this.#js = js;
    this.#stream = stream;
    this.#subject = subject;
  }

  async publish(bytes: Buffer): Promise<void> {
    const seq = ++this.#sent;
    const ack = this.#js.publish(this.#subject, bytes, { msgID: `${this.#stream}:${seq}`, expect: { streamName: this.#stream } }).then((a: PubAck) => {
      if (a.seq !== seq) throw new SluiceError('COMPACTION_OUT_OF_ORDER', `compaction: batch ${seq} of ${this.#stream} was stored at sequence ${a.seq}; pass stopped, nothing switched`);
      this.published++;
    });
    ack.catch(() => {}); // awaited in order below
    this.#inFlight.push(ack);
    if (this.#inFlight.length >= PUBLISHES_IN_FLIGHT) await this.#inFlight.shift();
  }

  async flush(): Promise<void> {
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }
}
