/**
 * Retries with backoff for operations that reach an outside system (a sink's `put`, a source's
 * `poll`). The policy is injected (tests use a fast one); the `AbortSignal` ends the waiting when
 * the connector stops. Non-retriable errors are thrown at once; on giving up, one
 * `RetriesExhaustedError` holds every attempt's error.
 *
 * @example
 *   const policy = exponentialBackoff({ initialMs: 100, maxMs: 30_000 });
 *   await withRetry('put to /var/out', () => task.put(records, signal), { policy, signal });
 */
import { SluiceError } from '../core/index.js';
import { RetriesExhaustedError } from './errors.js';

export interface RetryPolicy {
  /**
   * How long to wait before attempt number `attempt` (2 for the first retry) after `error`, or
   * `null` to give up. `elapsedMs` counts from the first attempt.
   */
  delayMs(attempt: number, error: unknown, elapsedMs: number): number | null;
}

export interface ExponentialBackoffOptions {
  /** First delay (default 100 ms). */
  initialMs?: number;
  /** Largest delay (default 30 s; Kafka Connect's `errors.retry.delay.max.ms` is 60 s). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  multiplier?: number;
  /** Fraction of random spread around each delay, 0..1 (default 0.2), so reconnecting clients don't stampede. */
  jitter?: number;
  /** Give up once this long has passed since the first attempt; -1 (default) never gives up (Kafka Connect's `errors.retry.timeout`). */
  timeoutMs?: number;
  /** Give up after this many attempts (default unlimited). */
  maxAttempts?: number;
}

/** Exponential backoff with jitter, capped; retries forever unless `timeoutMs`/`maxAttempts` say otherwise. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryPolicy {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 30_000;
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.2;
  const timeoutMs = options.timeoutMs ?? -1;
  const maxAttempts = options.maxAttempts ?? Infinity;
  return {
    delayMs(attempt, _error, elapsedMs) {
      if (attempt > maxAttempts) return null;
      if (timeoutMs >= 0 && elapsedMs >= timeoutMs) return null;
      const base = Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt - 2));
      const spread = base * jitter * (Math.random() * 2 - 1);
      let delay = Math.max(0, Math.round(base + spread));
      if (timeoutMs >= 0) delay = Math.min(delay, Math.max(0, timeoutMs - elapsedMs));
      return delay;
    },
  };
}

/** errno codes of conditions that usually pass: the peer is down or restarting, a disk is full, a file is busy. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOSPC',
  'EDQUOT',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'EIO',
]);

/**
 * True for errors worth retrying: a `SluiceError` marked `retriable`, an error whose `retriable`
 * property is true, or a Node system error with a transient errno code (see `TRANSIENT_CODES`).
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof SluiceError) return error.retriable;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; code?: unknown };
  if (e.retriable === true) return true;
  return typeof e.code === 'string' && TRANSIENT_CODES.has(e.code);
}

export interface WithRetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Which errors to retry (default `isRetriable`). */
  retriable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to report "reconnecting" in the status. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /**
   * Ends a wait early: resolves once the outside system is back after `since` (a `Date.now()`
   * time: when the failed attempt started), at once if it came back already; `signal` aborts when
   * the wait ends anyway. A task's `reconnected` (see `SourceTask.reconnected`).
   */
  wake?: (since: number, signal: AbortSignal) => Promise<void>;
}

/** At most this many attempts' errors are kept for `RetriesExhaustedError` (the first and the latest). */
const KEPT_ERRORS = 50;

/**
 * Runs `fn` until it succeeds, retrying retriable failures as `policy` says.
 * @throws the error itself when it is not retriable, or the abort reason when `signal` aborts;
 *   `RetriesExhaustedError` (with every attempt's error) when the policy gives up.
 */
export async function withRetry<T>(operation: string, fn: (attempt: number) => Promise<T>, options: WithRetryOptions): Promise<T> {
  const { policy, signal } = options;
  const retriable = options.retriable ?? isRetriable;
  const errors: unknown[] = [];
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const attemptStarted = Date.now();
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!retriable(error)) throw error;
      if (errors.length >= KEPT_ERRORS) errors.splice(KEPT_ERRORS / 2, 1);
      errors.push(error);
      const delay = policy.delayMs(attempt + 1, error, performance.now() - started);
      if (delay === null) throw new RetriesExhaustedError(operation, errors);
      options.onRetry?.(attempt + 1, error, delay);
      if (options.wake === undefined) await sleep(delay, signal);
      else await sleepOrWake(delay, signal, (s) => options.wake!(attemptStarted, s));
    }
  }
}

/** Resolves after `ms`, or rejects with the abort reason when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The `wake` of `withRetry` for a task that can tell when its system is back, else undefined. */
export function reconnectedOf(task: { reconnected?(since: number, signal: AbortSignal): Promise<void> }): WithRetryOptions['wake'] {
  return task.reconnected ? (since, signal) => task.reconnected!(since, signal) : undefined;
}

/**
 * Like `sleep`, but also ends when `wake` resolves (it gets a signal that aborts once the sleep is
 * over, to drop its listeners); a `wake` that rejects is ignored.
 */
async function sleepOrWake(ms: number, signal: AbortSignal | undefined, wake: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const over = new AbortController();
  const woken = wake(over.signal).catch(() => new Promise<void>(() => {}));
  try {
    await Promise.race([sleep(ms, signal), woken]);
  } finally {
    over.abort();
  }
}

/** Retriable: a destination or source could not be reached. Connectors may throw it to ask for a retry. */
export class UnreachableError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNREACHABLE', message, { ...options, retriable: true });
  }
}
