/**
 * Every use of nats.js beyond its public types, in one place (pinned to nats.js 3.3 by
 * `test/connectors/nats/nats-internals.integration.test.ts`, which fails when an upgrade moves them):
 *
 * - `nc.protocol.sendCommand(bytes)`: writes ready-made protocol frames (`pub-frames.ts`). With
 *   the public `nc.publish` instead, the pipelined publisher reached 0.75× the rate (100-byte
 *   records with Nats-Msg-Id; `npx tsx bench/jetstream-connectors.ts --internals-only --records
 *   200000 --runs 5 --storage memory`, a machine at load 28), so the frames stay, with `publish`
 *   as the fallback (`new PubAckPipeline(nc, { frames: false })`, or when the shape is missing).
 * - `JsMsg.reply`: the `$JS.ACK…` reply subject, read without splitting it (`delivery-info.ts`);
 *   the public `msg.info` splits and parses every token into a new object: 0.25× the rate in the
 *   same run (56,000 vs 228,000 messages/s), so the reply stays, with `msg.info` as the fallback.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** What of nats.js's connection object (`NatsConnectionImpl`) is used. */
interface WithProtocol {
  protocol?: { sendCommand?: (cmd: Uint8Array) => void };
}

/**
 * A function that hands protocol bytes to `nc`'s writer (buffered while reconnecting, flushed as
 * nats.js flushes), or null when `nc` does not have nats.js's internal protocol handler.
 */
export function rawCommandSender(nc: NatsConnection): ((frames: Uint8Array) => void) | null {
  const protocol = (nc as NatsConnection & WithProtocol).protocol;
  const send = protocol?.sendCommand;
  return typeof send === 'function' ? (frames) => send.call(protocol, frames) : null;
}

/** The reply (ack) subject of a JetStream message, or undefined when nats.js does not expose it. */
export function replySubject(msg: JsMsg): string | undefined {
  const reply = (msg as JsMsg & { reply?: unknown }).reply;
  return typeof reply === 'string' ? reply : undefined;
}
