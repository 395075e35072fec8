/**
 * A segment's sparse time index: `<baseOffset>.timeindex`, Kafka's format.
 *
 *   entry => timestamp int64 (largest record timestamp so far), relativeOffset int32
 *
 * An entry says "every record before the batch at this offset has a timestamp ≤ `timestamp`" —
 * entries are added (at most one per `index.interval.bytes`) when a batch raises the segment's
 * maximum timestamp, so both fields strictly increase. Like the offset index it is a cache held in
 * memory, written whole, and completed or rebuilt by recovery.
 */
export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimeIndexEntry {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  readonly baseOffset: number;
  #timestamps: number[] = [];
  #relOffsets: number[] = [];

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset;
  }

  /** Parses an index file; null when malformed (the caller rebuilds it). */
  static parse(baseOffset: number, bytes: Buffer): TimeIndex | null {
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) return null;
    const index = new TimeIndex(baseOffset);
    for (let pos = 0; pos < bytes.length; pos += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = bytes.readInt32BE(pos) * 0x1_0000_0000 + bytes.readUInt32BE(pos + 4);
      const rel = bytes.readInt32BE(pos + 8);
      const n = index.#timestamps.length;
      if (rel < 0 || (n > 0 && (timestamp <= index.#timestamps[n - 1] || rel <= index.#relOffsets[n - 1]))) return null;
      index.#timestamps.push(timestamp);
      index.#relOffsets.push(rel);
    }
    return index;
  }

  get entries(): number {
    return this.#timestamps.length;
  }

  get last(): TimeIndexEntry | null {
    const n = this.#timestamps.length;
    return n === 0 ? null : { timestamp: this.#timestamps[n - 1], offset: this.baseOffset + this.#relOffsets[n - 1] };
  }

  /** Adds an entry; ignored unless both timestamp and offset are past the last entry. */
  append(timestamp: number, offset: number): void {
    const n = this.#timestamps.length;
    const rel = offset - this.baseOffset;
    if (n > 0 && (timestamp <= this.#timestamps[n - 1] || rel <= this.#relOffsets[n - 1])) return;
    this.#timestamps.push(timestamp);
    this.#relOffsets.push(rel);
  }

  /**
   * An offset from which a forward scan finds the first record with timestamp ≥ `timestamp`:
   * the offset of the last entry whose timestamp is < `timestamp`, else the segment's base offset.
   */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.#timestamps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#timestamps[mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? this.baseOffset : this.baseOffset + this.#relOffsets[found];
  }

  /** Drops entries at or past `offset` (after truncation). */
  truncateToOffset(offset: number): void {
    const rel = offset - this.baseOffset;
    while (this.#relOffsets.length > 0 && this.#relOffsets[this.#relOffsets.length - 1] >= rel) {
      this.#relOffsets.pop();
      this.#timestamps.pop();
    }
  }

  toBytes(): Buffer {
    const n = this.#timestamps.length;
    const out = Buffer.allocUnsafe(n * TIME_INDEX_ENTRY_BYTES);
    for (let i = 0; i < n; i++) {
      const ts = this.#timestamps[i];
      const hi = Math.floor(ts / 0x1_0000_0000);
      out.writeInt32BE(hi, i * 12);
      out.writeUInt32BE(ts - hi * 0x1_0000_0000, i * 12 + 4);
      out.writeInt32BE(this.#relOffsets[i], i * 12 + 8);
    }
    return out;
  }
}
