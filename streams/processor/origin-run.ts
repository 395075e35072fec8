/**
 * Upstream positions of repartition records, carried per run rather than per record.
 *
 * A repartition sink writes a batch's records in position order (see `sink.ts`); the records it
 * sends to one partition of the repartition topic and derived from one upstream input partition
 * form a run, and the producer appends a run's records to that partition one after another, with
 * nothing in between (a send is enqueued synchronously, in order). So only the run's first record
 * carries a header (`sluice.origins`) with every position of the run; the others carry none, and
 * the downstream reader takes their positions from the run, in order.
 *
 * Header value: `[topic length][topic (latin1)][partition][count][offset₀][seq₀]` then, per
 * further record, `[2·Δoffset + (seq ≠ 0)]` and `[seq]` when that low bit is set — all zig-zag
 * varints (offsets and deltas varlongs). Positions only grow within a run, so the deltas are ≥ 0.
 */
import { CorruptRecordError, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../core/index.js';

export const ORIGINS_HEADER = 'sluice.origins';

/** First `seq` of records emitted between input records: beyond any input record's own outputs. */
export const BETWEEN_INPUTS_SEQ = 2 ** 29;

/** The positions of one run, as the sink collects them. */
export class OriginRunWriter {
  readonly topic: string;
  readonly partition: number;
  readonly #offsets: number[] = [];
  readonly #seqs: number[] = [];

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  add(offset: number, seq: number): void {
    if (!Number.isInteger(offset)) {
      // Emitted between two input records (a window close: `position − 0.5`, see `StreamTask`):
      // stored as outputs of the input before, numbered after any output that input can have.
      offset = Math.floor(offset);
      seq += BETWEEN_INPUTS_SEQ;
    }
    this.#offsets.push(offset);
    this.#seqs.push(seq);
  }

  /** The header value for the run's first record. */
  encode(): Buffer {
    const offsets = this.#offsets;
    const seqs = this.#seqs;
    const n = offsets.length;
    const topicBytes = this.topic.length;
    let size = sizeOfVarint(topicBytes) + topicBytes + sizeOfVarint(this.partition) + sizeOfVarint(n) + sizeOfVarlong(offsets[0]) + sizeOfVarint(seqs[0]);
    for (let i = 1; i < n; i++) size += sizeOfVarlong(2 * (offsets[i] - offsets[i - 1]) + 1) + (seqs[i] === 0 ? 0 : sizeOfVarint(seqs[i]));
    const buf = Buffer.allocUnsafe(size);
    let pos = writeVarint(buf, 0, topicBytes);
    pos += buf.write(this.topic, pos, 'latin1');
    pos = writeVarint(buf, pos, this.partition);
    pos = writeVarint(buf, pos, n);
    pos = writeVarlong(buf, pos, offsets[0]);
    pos = writeVarint(buf, pos, seqs[0]);
    for (let i = 1; i < n; i++) {
      const seq = seqs[i];
      pos = writeVarlong(buf, pos, 2 * (offsets[i] - offsets[i - 1]) + (seq === 0 ? 0 : 1));
      if (seq !== 0) pos = writeVarint(buf, pos, seq);
    }
    return buf.subarray(0, pos);
  }
}

/** What a reader saves of a run it is in the middle of (commit metadata), to go on after a restart. */
export interface OriginRunState {
  upstream: string;
  offset: number;
  seq: number;
  remaining: number;
  /** The encoded positions still to come, base64. */
  rest: string;
}

/** Walks the positions of a run, one per record of the run, starting at its first record. */
export class OriginRunReader {
  /** `topic:partition` of the upstream input. */
  readonly upstream: string;
  /** Position of the current record. */
  offset: number;
  seq: number;
  /** Records of the run after the current one. */
  #remaining: number;
  readonly #buf: Buffer;
  readonly #cursor = { pos: 0 };
  /** The high-water mark of `upstream`, once the reader has looked it up (see `SourceReader`). */
  seen: [number, number] | undefined = undefined;

  private constructor(upstream: string, offset: number, seq: number, remaining: number, buf: Buffer, pos: number) {
    this.upstream = upstream;
    this.offset = offset;
    this.seq = seq;
    this.#remaining = remaining;
    this.#buf = buf;
    this.#cursor.pos = pos;
  }

  /**
   * The run a `sluice.origins` header value starts, positioned at its first record.
   * @throws CorruptRecordError for a value that is not one
   */
  static read(value: Buffer | null): OriginRunReader {
    if (value === null) throw new CorruptRecordError(`repartition record header "${ORIGINS_HEADER}" has no value`);
    const cursor = { pos: 0 };
    const topicBytes = readVarint(value, cursor);
    if (topicBytes < 0 || cursor.pos + topicBytes > value.length) throw new CorruptRecordError(`repartition record header "${ORIGINS_HEADER}" is malformed (topic of ${topicBytes} bytes)`);
    const topic = value.toString('latin1', cursor.pos, cursor.pos + topicBytes);
    cursor.pos += topicBytes;
    const partition = readVarint(value, cursor);
    const count = readVarint(value, cursor);
    if (count < 1) throw new CorruptRecordError(`repartition record header "${ORIGINS_HEADER}" is malformed (a run of ${count} records)`);
    const offset = readVarlong(value, cursor);
    const seq = readVarint(value, cursor);
    return new OriginRunReader(`${topic}:${partition}`, offset, seq, count - 1, value, cursor.pos);
  }

  /** Continues a run from what `state` saved. */
  static resume(state: OriginRunState): OriginRunReader {
    return new OriginRunReader(state.upstream, state.offset, state.seq, state.remaining, Buffer.from(state.rest, 'base64'), 0);
  }

  /**
   * Moves to the next record's position; false (and no move) when the run has no more records.
   * @throws CorruptRecordError when the encoded positions end early
   */
  next(): boolean {
    if (this.#remaining === 0) return false;
    this.#remaining--;
    const step = readVarlong(this.#buf, this.#cursor);
    this.offset += Math.floor(step / 2);
    this.seq = step % 2 === 0 ? 0 : readVarint(this.#buf, this.#cursor);
    return true;
  }

  /** What to save to go on after the current record; null when it is the run's last. */
  state(): OriginRunState | null {
    if (this.#remaining === 0) return null;
    return { upstream: this.upstream, offset: this.offset, seq: this.seq, remaining: this.#remaining, rest: this.#buf.toString('base64', this.#cursor.pos) };
  }
}
