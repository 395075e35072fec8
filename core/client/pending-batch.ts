/** The producer's batch under construction and in flight, and the header forms it accepts. */
import { RecordBatchBuilder } from '../protocol/record-batch.js';
import type { RecordHeader } from '../protocol/record.js';
import type { HeadersInput } from './producer.js';

/** A batch being filled for one partition, then in flight, then done. */
export class PendingBatch {
  readonly builder: RecordBatchBuilder;
  baseOffset = -1;
  /** Bytes counted against the producer's in-flight bound while sealed and unsettled. */
  inFlightBytes = 0;
  /** Set when the batch was refused (then `error` says why). */
  failed = false;
  error: unknown;
  /** The last send (a `SendJob`) that listed this batch among those it waits for. */
  awaitedBy: object | null = null;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;

  constructor(
    readonly topic: string,
    readonly partition: number,
    maxBytes: number,
    initialCapacity: number,
    buffer: Buffer,
  ) {
    this.builder = new RecordBatchBuilder(maxBytes, Math.min(maxBytes, initialCapacity), buffer);
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = (err) => {
        this.failed = true;
        this.error = err;
        reject(err);
      };
    });
    // Rejections are observed through the records' promises; don't report them twice.
    this.done.catch(() => {});
  }
}

/** Headers as the record's list (an object's entries become headers, strings as UTF-8). */
export function toHeaders(input: HeadersInput | undefined): readonly RecordHeader[] | undefined {
  if (input === undefined || Array.isArray(input)) return input as readonly RecordHeader[] | undefined;
  const out: RecordHeader[] = [];
  for (const [key, value] of Object.entries(input as Record<string, string | Uint8Array | null>)) {
    out.push({ key, value: value === null ? null : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.length) });
  }
  return out;
}
