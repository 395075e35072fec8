/**
 * One stored message by JetStream's `STREAM.MSG.GET` API (`$JS.API.STREAM.MSG.GET.<stream>`,
 * answered by the stream's leader, so it sees every acknowledged message). Request and answer are
 * JetStream's documented JSON:
 *
 *   request  {"seq": n} | {"last_by_subj": s} | {"seq": n, "next_by_subj": s}
 *   answer   {"type": "io.nats.jetstream.api.v1.stream_msg_get_response",
 *             "message": {"subject": s, "seq": n, "hdrs"?: base64, "data"?: base64, "time": t}}
 *          | {"error": {"code": 404, "err_code": 10037, "description": "no message found"}}
 *
 * We send it ourselves rather than through nats.js's `streams.getMessage` because its StoredMsg
 * decodes the base64 payload one character at a time in JavaScript, again on every `data` access;
 * for batches of hundreds of kilobytes that was most of a fetch's CPU. Here `Buffer` decodes it
 * natively, once. Pinned by `test/core/jetstream/stream-message-get.integration.test.ts`.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { abortable } from '../abortable.js';

/** JetStream's "no message found". */
const NO_MESSAGE_FOUND = 10037;
const REQUEST_TIMEOUT_MS = 5000;

export type StreamMessageQuery = { seq: number } | { last_by_subj: string } | { seq: number; next_by_subj: string };

export interface StoredBatchMessage {
  seq: number;
  data: Buffer;
}

interface MsgGetResponse {
  message?: { seq: number; data?: string };
  error?: { code: number; err_code: number; description: string };
}

/**
 * The message `query` names in `stream`, or null when there is none.
 * @throws JetStreamApiError for an API error; the client's TimeoutError / NoRespondersError when
 *   nobody answered (no leader yet); `signal.reason` once `signal` aborts.
 */
export async function getStreamMessage(nc: NatsConnection, stream: string, query: StreamMessageQuery, signal?: AbortSignal): Promise<StoredBatchMessage | null> {
  signal?.throwIfAborted();
  const request = nc.request(`$JS.API.STREAM.MSG.GET.${stream}`, JSON.stringify(query), { timeout: REQUEST_TIMEOUT_MS });
  const reply = await abortable(request, signal);
  const body = Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
  // The answer is ASCII (base64, numbers, our ASCII subjects): latin1 decodes it without UTF-8 validation.
  const r = JSON.parse(body.toString('latin1')) as MsgGetResponse;
  if (r.error) {
    if (r.error.err_code === NO_MESSAGE_FOUND) return null;
    throw new JetStreamApiError(r.error);
  }
  if (!r.message) throw new JetStreamApiError({ code: 500, err_code: 0, description: `STREAM.MSG.GET ${stream}: an answer with neither message nor error` });
  return { seq: r.message.seq, data: r.message.data ? Buffer.from(r.message.data, 'base64') : Buffer.alloc(0) };
}
