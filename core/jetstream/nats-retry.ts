/**
 * Retrying JetStream calls through the moments a cluster cannot answer: a stream or meta leader
 * election after a node died, a client reconnecting to another node, a request timing out while
 * Raft catches up. Those failures are transient; anything else (a refused write, a bad config) is
 * thrown at once.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { SluiceError } from '../errors.js';
import { sleep } from '../sleep.js';

/** JetStream API error codes that mean "not now": no leader yet, JetStream unavailable, cluster not ready. */
const TRANSIENT_API_CODES = new Set([10008, 10039, 10023]);
/** A forming cluster that does not know all its nodes yet (permanent when replicas exceed the nodes: the time limit reports it). */
const NO_PEERS_YET = /no suitable peers/i;

/** True when `error` is a failure the same JetStream call may get past if tried again shortly. */
export function isTransientNatsError(error: unknown): boolean {
  if (error instanceof SluiceError) return false; // ours (e.g. a coordinator's answer): never a transport hiccup
  if (error instanceof JetStreamApiError) return TRANSIENT_API_CODES.has(error.code) || error.status === 503 || NO_PEERS_YET.test(error.message);
  if (!(error instanceof Error)) return false;
  const name = error.constructor.name;
  if (name === 'TimeoutError' || name === 'NoRespondersError' || name === 'RequestError' || name === 'ConnectionError') return true;
  if (name === 'JetStreamNotEnabled' || name === 'JetStreamStatusError') return true;
  return /timeout|no responders|temporarily unavailable|leader/i.test(error.message) || NO_PEERS_YET.test(error.message);
}

export interface RetryOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs `call` until it succeeds, retrying transient failures with a backoff from 25 ms doubling to
 * 1 s, for up to `timeoutMs`.
 * @throws the call's error when it is not transient; a retriable `SluiceError` (code
 *   `JETSTREAM_UNAVAILABLE`, the last failure as `cause`) when the time is up.
 */
export async function retryTransient<T>(what: string, call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let waitMs = 25;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientNatsError(error)) throw error;
      if (Date.now() + waitMs > deadline || options.signal?.aborted) {
        throw new SluiceError('JETSTREAM_UNAVAILABLE', `${what}: JetStream did not answer after ${attempt} attempt(s): ${(error as Error).message}`, { cause: error, retriable: true });
      }
      await sleep(waitMs, options.signal).catch(() => {});
      waitMs = Math.min(1000, waitMs * 2);
    }
  }
}
