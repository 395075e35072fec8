/**
 * A bounded set of stream sequences, as sorted disjoint ranges `[first, last]` — what the
 * JetStream source remembers of the messages it handed to the log, so that a redelivery of one of
 * them is recognised and skipped. Sequences handed out run mostly in order, so a run of thousands
 * is one range; a filtered consumer skips sequences, which splits ranges.
 *
 * Bounded: beyond `maxSeqs` sequences or `maxRanges` ranges the oldest are forgotten (a
 * redelivery of a forgotten one is written again: at-least-once, never a loss).
 *
 * @example
 *   const r = new SeqRanges(10_000, 100);
 *   r.add(5); r.add(6); r.add(9);
 *   r.has(6); // true
 *   r.toJSON(); // [[5, 6], [9, 9]]
 */
export type SeqRange = [first: number, last: number];

export class SeqRanges {
  readonly #maxSeqs: number;
  readonly #maxRanges: number;
  #ranges: SeqRange[] = [];
  #count = 0;

  constructor(maxSeqs: number, maxRanges: number) {
    this.#maxSeqs = maxSeqs;
    this.#maxRanges = maxRanges;
  }

  /** Ranges as stored in a position (JSON), ignoring anything malformed. */
  static fromJSON(value: unknown, maxSeqs: number, maxRanges: number): SeqRanges {
    const out = new SeqRanges(maxSeqs, maxRanges);
    if (Array.isArray(value)) {
      for (const r of value) {
        if (Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] <= r[1]) out.addRange(r[0], r[1]);
      }
    }
    return out;
  }

  /** Sequences held. */
  get size(): number {
    return this.#count;
  }

  /** The highest sequence held, or 0. */
  get last(): number {
    return this.#ranges.length === 0 ? 0 : this.#ranges[this.#ranges.length - 1][1];
  }

  /** The lowest sequence held, or 0. */
  get first(): number {
    return this.#ranges.length === 0 ? 0 : this.#ranges[0][0];
  }

  has(seq: number): boolean {
    const ranges = this.#ranges;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = ranges[mid];
      if (seq < a) hi = mid - 1;
      else if (seq > b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(seq: number): void {
    this.addRange(seq, seq);
  }

  /** Adds `[first, last]`; fast when it extends the newest range (the usual case). */
  addRange(first: number, last: number): void {
    const ranges = this.#ranges;
    const top = ranges[ranges.length - 1];
    if (top === undefined || first > top[1] + 1) {
      ranges.push([first, last]);
      this.#count += last - first + 1;
    } else if (first >= top[0]) {
      if (last > top[1]) {
        this.#count += last - top[1];
        top[1] = last;
      }
    } else {
      this.#merge(first, last);
    }
    this.#trim();
  }

  /** General insert (out of order): rebuilds around the new range. */
  #merge(first: number, last: number): void {
    const merged: SeqRange[] = [];
    let placed = false;
    let a = first;
    let b = last;
    for (const r of this.#ranges) {
      if (r[1] + 1 < a) merged.push(r);
      else if (b + 1 < r[0]) {
        if (!placed) {
          merged.push([a, b]);
          placed = true;
        }
        merged.push(r);
      } else {
        a = Math.min(a, r[0]);
        b = Math.max(b, r[1]);
      }
    }
    if (!placed) merged.push([a, b]);
    this.#ranges = merged;
    this.#count = merged.reduce((n, [x, y]) => n + y - x + 1, 0);
  }

  #trim(): void {
    const ranges = this.#ranges;
    while (ranges.length > this.#maxRanges) {
      const [a, b] = ranges.shift()!;
      this.#count -= b - a + 1;
    }
    while (this.#count > this.#maxSeqs && ranges.length > 0) {
      const oldest = ranges[0];
      const excess = this.#count - this.#maxSeqs;
      const length = oldest[1] - oldest[0] + 1;
      if (length <= excess) {
        ranges.shift();
        this.#count -= length;
      } else {
        oldest[0] += excess;
        this.#count -= excess;
      }
    }
  }

  /** A copy of the ranges (for a stored position). */
  toJSON(): SeqRange[] {
    return this.#ranges.map(([a, b]) => [a, b]);
  }
}
