/**
 * The append side of a `PartitionStream`: optimistic concurrency on the stream's tail, pipelined.
 *
 * A batch's base offset is the tail's next offset; it is published with
 * `Nats-Expected-Last-Sequence` = the tail's sequence. Batches queued while a group is in flight
 * go out together as the next group: message i of a group expects the last sequence to be the
 * tail's + i and (from the second on) the last `Nats-Msg-Id` to be message i-1's, so when one is
 * refused (another writer got there first: JetStream errors 10071 / 10070) every later one is
 * refused too and none lands at a wrong offset. The refused ones go back to the head of the queue
 * after the tail is read again; a message that was stored but reported as failed (a lost ack) is
 * answered by JetStream's de-duplication with the original's sequence.
 *
 * Invariant: batches of one partition from this process are stored in the order `append` was
 * called. Concurrency: one group in flight per partition.
 */
import { randomUUID } from 'node:crypto';
import { JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
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
const MAX_PIPELINED = 64;
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

export class StreamAppender {
  readonly #js: JetStreamClient;
  readonly #stream: PartitionStream;
  #tail: Tail | null = null;
  readonly #queue: PendingAppend[] = [];
  #draining = false;

  constructor(js: JetStreamClient, stream: PartitionStream) {
    this.#js = js;
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

  /** Sends what is queued, in order, a group of pipelined publishes at a time. */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) await this.#sendGroup(this.#queue.splice(0, MAX_PIPELINED));
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Publishes `group` without waiting between messages: message i expects the stream's last
   * sequence to be the tail's + i and (from the second on) its last message id to be message
   * i-1's, so if one is refused every later one is refused too and none lands at a wrong offset.
   * The refused ones go back to the head of the queue after the tail is read again; a message that
   * was stored but reported as failed (a lost ack) is found again by de-duplication.
   */
  async #sendGroup(group: PendingAppend[]): Promise<void> {
    let tail: Tail;
    try {
      tail = this.#tail ??= await retryTransient(`read the tail of ${this.#stream.topic}-${this.#stream.partition}`, () => this.#stream.readTail());
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    let offset = tail.nextOffset;
    const sends = group.map((p, i) => {
      setBaseOffset(p.batch, 0, offset);
      const base = offset;
      offset += p.count;
      const expect = i === 0 ? { lastSequence: tail.seq } : { lastSequence: tail.seq + i, lastMsgID: group[i - 1].msgId };
      return this.#js.publish(this.#stream.subject, p.batch, { msgID: p.msgId, expect }).then((ack) => ({ ack, base }));
    });
    const results = await Promise.allSettled(sends);
    let retryFrom = -1;
    let failure: unknown = null;
    for (const [i, r] of results.entries()) {
      const p = group[i];
      if (retryFrom < 0 && r.status === 'fulfilled' && !r.value.ack.duplicate) {
        this.#tail = { seq: r.value.ack.seq, nextOffset: r.value.base + p.count };
        this.#stream.remember(r.value.base + p.count, r.value.ack.seq + 1);
        p.resolve({ baseOffset: r.value.base, lastOffset: r.value.base + p.count - 1 });
        continue;
      }
      if (retryFrom < 0) {
        retryFrom = i;
        failure = r.status === 'rejected' ? r.reason : null;
      }
    }
    if (retryFrom < 0) return;
    this.#tail = null; // unknown after any failure: read it again
    const again = group.slice(retryFrom);
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
    // A duplicate (the first message was stored before) is answered from the stored copy when retried.
    const first = results[retryFrom];
    if (first.status === 'fulfilled' && first.value.ack.duplicate) {
      const p = again.shift()!;
      await this.#answerDuplicate(p, first.value.ack.seq);
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
