/**
 * The delivery facts of a JetStream message, read from its reply (ack) subject without splitting
 * it: nats.js's `msg.info` splits the subject into a dozen strings and parses every token, a
 * visible share of the source's per-message cost. Only what the source uses is read.
 *
 *   old  $JS.ACK.<stream>.<consumer>.<delivered>.<streamSeq>.<deliverySeq>.<timestampNs>.<pending>
 *   new  $JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<streamSeq>.<deliverySeq>.<timestampNs>.<pending>.<token>
 *
 * Stream and consumer names cannot contain dots, so token positions are fixed.
 *
 * @example
 *   deliveryOf(jsMsg); // from its reply subject, or nats.js's `info` when it has none
 *   deliveryInfo('$JS.ACK.S.c.1.42.7.1700000000123456789.0'); // { streamSeq: 42, deliverySeq: 7, timestampMs: 1700000000123 }
 */
import type { JsMsg } from '@nats-io/jetstream';

export interface DeliveryInfo {
  /** The message's sequence in the stream. */
  streamSeq: number;
  /** The consumer's delivery sequence: one more for every delivery, redeliveries included. */
  deliverySeq: number;
  /** When the stream stored the message, in ms. */
  timestampMs: number;
}

/** The delivery facts of `msg`: nats.js's `JsMsg` has the reply subject, though not in its type. */
export function deliveryOf(msg: JsMsg): DeliveryInfo {
  const reply = (msg as JsMsg & { reply?: unknown }).reply;
  if (typeof reply === 'string') return deliveryInfo(reply);
  const info = msg.info;
  return { streamSeq: info.streamSequence, deliverySeq: info.deliverySequence, timestampMs: Math.floor(info.timestampNanos / 1_000_000) };
}

/**
 * @throws Error when `reply` is not a JetStream ack subject.
 */
export function deliveryInfo(reply: string): DeliveryInfo {
  const dots: number[] = [];
  for (let i = reply.indexOf('.'); i >= 0 && dots.length < 11; i = reply.indexOf('.', i + 1)) dots.push(i);
  // Token k spans (dots[k-1], dots[k]); the old form has 8 dots, the new 10 or more.
  const first = dots.length === 8 ? 4 : dots.length >= 10 ? 6 : -1;
  if (first < 0 || !reply.startsWith('$JS.ACK.')) throw new Error(`not a JetStream message (reply subject ${JSON.stringify(reply)})`);
  const end = (k: number): number => (k < dots.length ? dots[k] : reply.length);
  return {
    streamSeq: digits(reply, dots[first] + 1, end(first + 1)),
    deliverySeq: digits(reply, dots[first + 1] + 1, end(first + 2)),
    // Nanoseconds exceed 2^53: drop the last six digits rather than round a float.
    timestampMs: digits(reply, dots[first + 2] + 1, Math.max(dots[first + 2] + 1, end(first + 3) - 6)),
  };
}

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new Error(`not a JetStream message (reply subject ${JSON.stringify(s)})`);
    n = n * 10 + d;
  }
  return n;
}
