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
import { replySubject } from './nats-internals.js';

export interface DeliveryInfo {
  /** The message's sequence in the stream. */
  streamSeq: number;
  /** The consumer's delivery sequence: one more for every delivery, redeliveries included. */
  deliverySeq: number;
  /** When the stream stored the message, in ms. */
  timestampMs: number;
}

/** The delivery facts of `msg`: from its reply subject (see `nats-internals.ts`), else nats.js's `info`. */
export function deliveryOf(msg: JsMsg): DeliveryInfo {
  const reply = replySubject(msg);
  if (reply !== undefined) return deliveryInfo(reply);
  const info = msg.info;
  return { streamSeq: info.streamSequence, deliverySeq: info.deliverySequence, timestampMs: Math.floor(info.timestampNanos / 1_000_000) };
}

/**
 * @throws Error when `reply` is not a JetStream ack subject.
 */
export function deliveryInfo(reply: string): DeliveryInfo {
  // The 5th to 8th dots (old form) or the 7th to 10th (new form) delimit the tokens wanted; the
  // number of dots tells the form: 8, or 10 and more.
  let dots = 0;
  let d4 = 0, d5 = 0, d6 = 0, d7 = 0, d8 = 0, d9 = 0;
  for (let i = reply.indexOf('.'); i >= 0 && dots < 10; i = reply.indexOf('.', i + 1)) {
    dots++;
    if (dots === 5) d4 = i;
    else if (dots === 6) d5 = i;
    else if (dots === 7) d6 = i;
    else if (dots === 8) d7 = i;
    else if (dots === 9) d8 = i;
    else if (dots === 10) d9 = i;
  }
  if (!reply.startsWith('$JS.ACK.') || (dots !== 8 && dots < 10)) throw new Error(`not a JetStream message (reply subject ${JSON.stringify(reply)})`);
  if (dots === 8) return { streamSeq: digits(reply, d4 + 1, d5), deliverySeq: digits(reply, d5 + 1, d6), timestampMs: millis(reply, d6 + 1, d7) };
  return { streamSeq: digits(reply, d6 + 1, d7), deliverySeq: digits(reply, d7 + 1, d8), timestampMs: millis(reply, d8 + 1, d9) };
}

/** Nanoseconds exceed 2^53: drop the last six digits rather than round a float. */
function millis(s: string, from: number, to: number): number {
  return digits(s, from, Math.max(from, to - 6));
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
