/**
 * The append side of a `PartitionStream`: optimistic concurrency on the stream's tail, with a
 * sliding window of publishes in flight.
 *
 * A batch's base offset is the tail's next offset. The first publish after the tail was read
 * expects `Nats-Expected-Last-Sequence` = the tail's sequence; every later one expects the
 * sequence after its predecessor's and `Nats-Expected-Last-Msg-Id` = its predecessor's
 * `Nats-Msg-Id`. So the publishes form a chain: JetStream stores one only right behind the one
 * before it, and when one is refused (another writer got there first: JetStream errors 10071 /
 * 10070; or it was lost) every later one in the window is refused too, and none lands at a wrong
 * offset. New batches join the window as soon as they are appended (up to `WINDOW` in flight per
 * partition), without waiting for earlier acks: the rate is not bounded by one round trip per
 * batch or per group. After a refusal the window drains, the tail is read again and the refused
 * batches go back to the head of the queue; a message that was stored but reported as failed (a
 * lost ack) is answered by JetStream's de-duplication with the original's sequence.
 *
 * The window publishes through the connection to the stream's leader (`LeaderConnections`), as
 * the tail read last found it; it changes only at a tail read, when nothing is in flight.
 *
 * Invariant: batches of one partition from this process are stored in the order `append` was
 * called, each at the offset its ack reports. Concurrency: one drain loop per partition.
 */
import { randomUUID } from 'node:crypto';
import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import type { ProduceResult } from '../cluster.js';
import { CorruptRecordError, SluiceError } from '../errors.js';
import { setBaseOffset, type BatchHeader } from '../protocol/record-batch.js';
import { sleep } from '../sleep.js';
import { isTransientNatsError, retryTransient } from './nats-retry.js';
import type { PartitionStream, Tail } from './partition-stream.js';

/** JetStream's "wrong last sequence" (Nats-Expected-Last-Sequence did not match). */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's "wrong last msg ID" (Nats-Expected-Last-Msg-Id did not match). */
const WRONG_LAST_MSG_ID = 10070;
/** Publishes in flight per partition. */
const WINDOW = 32;
const APPEND_TIMEOUT_MS = 30_000;

interface PendingAppend {
  batch: Buffer;
  count: number;
  msgId: string;
  resolve(result: ProduceResult): void;
  reject(error: unknown): void;
  /** Transient failures are retried until then. */
  deadline: number;
}

/** A publish in the window: its batch, the base offset it was given, and how it ended. */
interface InFlight {
  p: PendingAppend;
  base: number;
  result: Promise<{ ok: true; ack: PubAck } | { ok: false; error: unknown }>;
}

/** Where the next publish of the chain goes: the sequence it expects last, and its predecessor's id (none right after a tail read). */
interface ChainEnd {
  seq: number;
  nextOffset: number;
  msgId: string | undefined;
}

export class StreamAppender {
  /** Where the window publishes: chosen at each tail read (the stream leader's connection), never while publishes are in flight. */
  #js: JetStreamClient;
  readonly #stream: PartitionStream;
  /** The end of the chain of publishes sent; null when it must be read from the stream again. */
  #end: ChainEnd | null = null;
  readonly #queue: PendingAppend[] = [];
  readonly #window: InFlight[] = [];
  #draining = false;

  constructor(stream: PartitionStream) {
    this.#js = stream.publisher();
    this.#stream = stream;
  }

  /**
   * Appends one validated batch (its header given); resolves once JetStream acknowledged it (stored
   * on a majority of the stream's replicas).
   */
  append(batch: Buffer, header: BatchHeader): Promise<ProduceResult> {
    const msgId = header.producerId >= 0 ? `p${header.producerId}.${header.producerEpoch}.${header.baseSequence}` : randomUUID();
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch: Buffer.from(batch), count: header.lastOffsetDelta + 1, msgId, resolve, reject, deadline: Date.now() + APPEND_TIMEOUT_MS });
      if (!this.#draining) void this.#drain();
    });
  }

  /**
   * Keeps the window full and settles its publishes in order. After the first refusal no new
   * publish starts; once the window is empty the refused ones are queued again (or rejected).
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      let refused: InFlight[] = [];
      let failure: unknown = null;
      while (this.#queue.length > 0 || this.#window.length > 0) {
        if (refused.length === 0 && this.#queue.length > 0 && this.#window.length < WINDOW && !(await this.#fill())) continue;
        const sent = this.#window.shift();
        if (!sent) continue;
        const r = await sent.result;
        if (r.ok && !r.ack.duplicate) {
          // Stored right behind its predecessor (the chain's expectations), so at offset `base`.
          this.#stream.remember(sent.base + sent.p.count, r.ack.seq + 1);
          sent.p.resolve({ baseOffset: sent.base, lastOffset: sent.base + sent.p.count - 1 });
          continue;
        }
        if (refused.length === 0) failure = r.ok ? null : r.error;
        refused.push(sent);
        if (this.#window.length === 0) {
          await this.#retry(refused, failure);
          refused = [];
          failure = null;
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Sends queued batches into the window. Returns false when the tail could not be read (the queue was rejected). */
  async #fill(): Promise<boolean> {
    if (this.#end === null) {
      let tail: Tail;
      try {
        tail = await retryTransient(`read the tail of ${this.#stream.topic}-${this.#stream.partition}`, () => this.#stream.readTail());
      } catch (error) {
        for (const p of this.#queue.splice(0)) p.reject(error);
        return false;
      }
      this.#end = { seq: tail.seq, nextOffset: tail.nextOffset, msgId: undefined };
      this.#js = this.#stream.publisher(); // the window is empty: switching connections cannot reorder publishes
    }
    const end = this.#end;
    while (this.#queue.length > 0 && this.#window.length < WINDOW) {
      const p = this.#queue.shift()!;
      const base = end.nextOffset;
      setBaseOffset(p.batch, 0, base);
      const expect = end.msgId === undefined ? { lastSequence: end.seq } : { lastSequence: end.seq, lastMsgID: end.msgId };
      const result = this.#js.publish(this.#stream.subject, p.batch, { msgID: p.msgId, expect }).then(
        (ack) => ({ ok: true as const, ack }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      this.#window.push({ p, base, result });
      end.seq += 1;
      end.nextOffset += p.count;
      end.msgId = p.msgId;
    }
    return true;
  }

  /**
   * The window ended with `refused` (in order; the first failed with `failure`, or was answered as
   * a duplicate): read the tail again and queue them at the head, or reject them when the failure
   * is final or they ran out of time.
   */
  async #retry(refused: InFlight[], failure: unknown): Promise<void> {
    this.#end = null; // unknown after any failure: read it again
    const again = refused.map((r) => r.p);
    const conflict = failure instanceof JetStreamApiError && (failure.code === WRONG_LAST_SEQUENCE || failure.code === WRONG_LAST_MSG_ID);
    if (failure !== null && !conflict) {
      if (!isTransientNatsError(failure)) {
        for (const p of again) p.reject(failure);
        return;
      }
      const expired = again.filter((p) => Date.now() > p.deadline);
      for (const p of expired) p.reject(new SluiceError('JETSTREAM_UNAVAILABLE', `produce to ${this.#stream.topic}-${this.#stream.partition}: JetStream did not answer: ${(failure as Error).message}`, { cause: failure, retriable: true }));
      if (expired.length > 0) {
        // Later batches must not overtake the refused ones.
        for (const p of again.filter((x) => !expired.includes(x))) p.reject(new SluiceError('JETSTREAM_UNAVAILABLE', `produce to ${this.#stream.topic}-${this.#stream.partition}: an earlier batch failed`, { cause: failure, retriable: true }));
        return;
      }
      await sleep(50);
    }
    // A duplicate (the first was stored before) is answered from the stored copy.
    const first = await refused[0].result;
    if (first.ok && first.ack.duplicate) {
      const p = again.shift()!;
      await this.#answerDuplicate(p, first.ack.seq);
    }
    this.#queue.unshift(...again);
  }

  async #answerDuplicate(p: PendingAppend, seq: number): Promise<void> {
    try {
      const original = await this.#stream.get(seq);
      if (!original) throw new CorruptRecordError(`${this.#stream.topic}-${this.#stream.partition}: JetStream reports message ${p.msgId} at sequence ${seq}, which cannot be read`);
      p.resolve({ baseOffset: original.header.baseOffset, lastOffset: original.header.baseOffset + original.header.lastOffsetDelta });
    } catch (error) {
      p.reject(error);
    }
  }
}
