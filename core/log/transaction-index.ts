/**
 * A segment's aborted-transaction index, Kafka's `.txnindex`: one entry per transaction whose ABORT
 * marker lies in the segment, so a read_committed fetch can tell the consumer which producer's
 * records to skip between which offsets without reading the markers ahead of time.
 *
 *   file `<baseOffset:20 digits>.txnindex` = AbortedTxn*, each 34 bytes:
 *     version           INT16  0
 *     producerId        INT64
 *     firstOffset       INT64  first offset of the transaction in this partition
 *     lastOffset        INT64  offset of the ABORT marker
 *     lastStableOffset  INT64  the partition's LSO once the marker was written
 *
 * Invariants: entries are in marker order (lastOffset increasing) and every lastOffset lies in the
 * segment. The index is rebuilt from the log when producer state is replayed on open (see
 * `ProducerStateLoader`), so a torn or lost file costs nothing but the replay.
 *
 * Concurrency: synchronous; the owning `Log` serializes calls.
 */
import type { LogStorage } from './log-storage.js';

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

const ENTRY_BYTES = 34;
const VERSION = 0;

export function txnIndexFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.txnindex`;
}

export class TransactionIndex {
  readonly #storage: LogStorage;
  readonly #name: string;
  #entries: AbortedTxn[];

  /** Loads the index of the segment at `baseOffset` (empty when there is no file). */
  constructor(storage: LogStorage, baseOffset: number) {
    this.#storage = storage;
    this.#name = txnIndexFileName(baseOffset);
    this.#entries = decode(storage.readFile(this.#name));
  }

  get entries(): readonly AbortedTxn[] {
    return this.#entries;
  }

  /** Adds an entry (written through to the file, which is small). */
  append(entry: AbortedTxn, readOnly = false): void {
    this.#entries.push(entry);
    if (!readOnly) this.#write();
  }

  /** Drops entries whose marker is at or after `offset` (before a replay from `offset`). */
  truncateTo(offset: number, readOnly = false): void {
    const kept = this.#entries.filter((e) => e.lastOffset < offset);
    if (kept.length === this.#entries.length) return;
    this.#entries = kept;
    if (!readOnly) this.#write();
  }

  /** Drops the entries `drop` picks (the cleaner removed their markers). */
  removeWhere(drop: (entry: AbortedTxn) => boolean): void {
    const kept = this.#entries.filter((e) => !drop(e));
    if (kept.length === this.#entries.length) return;
    this.#entries = kept;
    this.#write();
  }

  /** Entries of transactions overlapping [from, to): their marker at or after `from`, their start before `to`. */
  collect(from: number, to: number, out: AbortedTxn[]): void {
    for (const e of this.#entries) if (e.lastOffset >= from && e.firstOffset < to) out.push(e);
  }

  /** Re-reads the file (read-only views follow the owning process). */
  reload(): void {
    this.#entries = decode(this.#storage.readFile(this.#name));
  }

  delete(): void {
    this.#storage.remove(this.#name);
  }

  #write(): void {
    if (this.#entries.length === 0) {
      this.#storage.remove(this.#name);
      return;
    }
    const buf = Buffer.alloc(this.#entries.length * ENTRY_BYTES);
    this.#entries.forEach((e, i) => {
      const pos = i * ENTRY_BYTES;
      buf.writeInt16BE(VERSION, pos);
      buf.writeBigInt64BE(BigInt(e.producerId), pos + 2);
      buf.writeBigInt64BE(BigInt(e.firstOffset), pos + 10);
      buf.writeBigInt64BE(BigInt(e.lastOffset), pos + 18);
      buf.writeBigInt64BE(BigInt(e.lastStableOffset), pos + 26);
    });
    this.#storage.writeFile(this.#name, buf, false);
  }
}

function decode(bytes: Buffer | null): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  if (!bytes) return out;
  // A torn last entry is ignored: the replay on open writes it again.
  for (let pos = 0; pos + ENTRY_BYTES <= bytes.length; pos += ENTRY_BYTES) {
    if (bytes.readInt16BE(pos) !== VERSION) break;
    out.push({
      producerId: Number(bytes.readBigInt64BE(pos + 2)),
      firstOffset: Number(bytes.readBigInt64BE(pos + 10)),
      lastOffset: Number(bytes.readBigInt64BE(pos + 18)),
      lastStableOffset: Number(bytes.readBigInt64BE(pos + 26)),
    });
  }
  return out;
}
