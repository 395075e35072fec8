/**
 * A segment's sparse offset index: `<baseOffset>.index`, Kafka's format.
 *
 *   entry => relativeOffset int32 (offset − segment base offset), position int32 (byte in .log)
 *
 * Entries point at the start of a record batch, strictly increasing in both fields; one is added
 * whenever `index.interval.bytes` have been appended since the previous one. Held in memory (8
 * bytes an entry: a 1 GiB segment needs ~2 MiB) and written out whole on flush, roll and close.
 * The file is only a cache: recovery completes or rebuilds it from the log, so a stale, truncated
 * or missing index is never wrong, only slower to open.
 */
export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface IndexEntry {
  offset: number;
  position: number;
}

export class OffsetIndex {
  readonly baseOffset: number;
  #relOffsets = new Int32Array(64);
  #positions = new Int32Array(64);
  #count = 0;

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset;
  }

  /**
   * Parses an index file. Returns null when it is malformed (length not a multiple of the entry
   * size, or entries not strictly increasing, or a position past `segmentBytes`), so the caller
   * rebuilds it.
   */
  static parse(baseOffset: number, bytes: Buffer, segmentBytes: number): OffsetIndex | null {
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return null;
    const index = new OffsetIndex(baseOffset);
    for (let pos = 0; pos < bytes.length; pos += OFFSET_INDEX_ENTRY_BYTES) {
      const rel = bytes.readInt32BE(pos);
      const position = bytes.readInt32BE(pos + 4);
      if (rel < 0 || position < 0 || position >= segmentBytes) return null;
      if (index.#count > 0 && (rel <= index.#relOffsets[index.#count - 1] || position <= index.#positions[index.#count - 1])) return null;
      index.#push(rel, position);
    }
    return index;
  }

  get entries(): number {
    return this.#count;
  }

  /** The last entry, or null when empty. */
  get last(): IndexEntry | null {
    if (this.#count === 0) return null;
    return { offset: this.baseOffset + this.#relOffsets[this.#count - 1], position: this.#positions[this.#count - 1] };
  }

  /** Adds an entry; ignored unless both offset and position are past the last entry. */
  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.#count > 0 && (rel <= this.#relOffsets[this.#count - 1] || position <= this.#positions[this.#count - 1])) return;
    this.#push(rel, position);
  }

  /** The entry with the largest offset ≤ `offset`; the segment start when there is none. */
  lookup(offset: number): IndexEntry {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#relOffsets[mid] <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.#relOffsets[found], position: this.#positions[found] };
  }

  /** Drops every entry whose position is ≥ `position` (after the segment was truncated there). */
  truncateToPosition(position: number): void {
    while (this.#count > 0 && this.#positions[this.#count - 1] >= position) this.#count--;
  }

  toBytes(): Buffer {
    const out = Buffer.allocUnsafe(this.#count * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.#count; i++) {
      out.writeInt32BE(this.#relOffsets[i], i * 8);
      out.writeInt32BE(this.#positions[i], i * 8 + 4);
    }
    return out;
  }

  #push(rel: number, position: number): void {
    if (this.#count === this.#relOffsets.length) {
      const offsets = new Int32Array(this.#count * 2);
      offsets.set(this.#relOffsets);
      this.#relOffsets = offsets;
      const positions = new Int32Array(this.#count * 2);
      positions.set(this.#positions);
      this.#positions = positions;
    }
    this.#relOffsets[this.#count] = rel;
    this.#positions[this.#count] = position;
    this.#count++;
  }
}
