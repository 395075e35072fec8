/**
 * Pipelined JetStream publishing: many messages in flight, each PubAck matched to its message.
 *
 * `js.publish()` is a request per message (a reply subscription lookup and a timer each) and
 * awaiting them one by one caps throughput at one round trip per message. Here every message is a
 * plain publish whose reply subject is `<inbox>.<id>` on one wildcard subscription, at most
 * `window` unacknowledged at a time; the PubAck (JSON on the reply subject) is matched by id:
 *
 *   ok         {"stream":"ORDERS","seq":42}                 (+ "duplicate":true when the
 *                                                             Nats-Msg-Id was seen in the window)
 *   rejected   {"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}
 *   no stream  an empty message with status header 503       (no stream captures the subject, or
 *                                                             JetStream is not up yet)
 *
 * A batch fails as a whole (retriable) when acks stop coming for `timeoutMs`, e.g. because the
 * connection dropped and took messages in flight with it: the caller re-sends the batch and the
 * stream's duplicate window drops what had arrived. After a stream leader election (JetStream's
 * `$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED` advisory) or a reconnect during the batch, what went
 * to the old leader or down the old connection never gets an ack: then the missing acks are
 * given up after `AFTER_INTERRUPT_MS` of silence rather than the whole `timeoutMs`.
 *
 * The publishes are written as protocol frames into shared chunks (`pub-frames.ts`), handed to
 * the connection whenever the window is full and at the end.
 *
 * Not reentrant: one `publishAll` at a time (sinks get one `put` at a time).
 */
import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { PubFrames } from './pub-frames.js';
import type { WireHeaders } from './wire-headers.js';

export interface OutgoingMessage {
  subject: string;
  payload: Uint8Array;
  headers?: WireHeaders;
}

/** What became of one message. */
export type PublishOutcome =
  | { ok: true; duplicate: boolean }
  | { ok: false; retriable: boolean; error: Error };

export interface PublishAllOptions {
  /** Most messages awaiting their PubAck. */
  window: number;
  /** Give up on the acks still missing once none arrived for this long. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Silence after a leader election or reconnect that gives up the acks still missing. */
export const AFTER_INTERRUPT_MS = 1000;
/** Published by the new leader of a stream, account-wide. */
const LEADER_ELECTED = '$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*';

/** JetStream error codes that pass by themselves (resources, leadership, a restarting server). */
const RETRIABLE_ERR_CODES = new Set([10008 /* temporarily unavailable */, 10009 /* not leader */, 10023 /* insufficient resources */, 10039 /* not enabled for account */]);

export class PubAckError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly errCode: number,
    /** The stream that refused it, when the PubAck names one. */
    readonly stream?: string,
    /** JetStream's own description of the error. */
    readonly description?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** JetStream's "store failed" error, whose descriptions below mean a stream full with `discard: new`. */
const STORE_FAILED = 10077;
const FULL = /^maximum (messages|bytes|messages per subject) exceeded/;

/** True when `error` is a refusal by a stream full with `discard: new`: room may come. */
export function isStreamFull(error: unknown): error is PubAckError & { stream: string; description: string } {
  return error instanceof PubAckError && error.errCode === STORE_FAILED && error.stream !== undefined && FULL.test(error.description ?? '');
}

export class PubAckPipeline {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #frames: PubFrames | null;
  #nextId = 0;
  /** Id of the current batch's first message; acks below it are late acks of an older batch. */
  #base = 0;
  #outcomes: (PublishOutcome | undefined)[] = [];
  #missing = 0;
  #inFlight = 0;
  #lastProgress = 0;
  #wake: (() => void) | null = null;
  #wakeBelow = 0;
  /** When the current batch started, and when a leader election or reconnect last came (0: none). */
  #batchStartedAt = 0;
  #interruptedAt = 0;
  /** What ended it early, for the error. */
  #interruption = '';
  readonly #advisories: Subscription;
  readonly #status: AsyncIterator<unknown> & { stop?(): void };

  /** `frames: false` publishes through nats.js's public `publish` (slower; see `nats-internals.ts`). */
  constructor(nc: NatsConnection, options: { frames?: boolean } = {}) {
    this.#nc = nc;
    this.#inbox = createInbox();
    this.#frames = options.frames === false ? null : PubFrames.of(nc);
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (error, msg) => (error ? undefined : this.#onAck(msg.subject, msg.data, msg.headers)) });
    this.#advisories = nc.subscribe(LEADER_ELECTED, { callback: (error, msg) => (error ? undefined : this.#interrupted(`stream ${msg.subject.slice(LEADER_ELECTED.length - 1)} elected a new leader`)) });
    const status = nc.status();
    this.#status = status as unknown as AsyncIterator<unknown> & { stop?(): void };
    void (async () => {
      for await (const s of status) if (s.type === 'reconnect') this.#interrupted(`NATS reconnected (${s.server})`);
    })().catch(() => {});
  }

  /** A leader election or reconnect: acks of what went to the old leader or connection will not come. */
  #interrupted(why: string): void {
    if (this.#missing === 0) return;
    this.#interruptedAt = performance.now();
    this.#interruption = why;
    const wake = this.#wake; // wait again with the shorter limit
    this.#wake = null;
    wake?.();
  }

  #onAck(subject: string, data: Uint8Array, headers: MsgHdrs | undefined): void {
    const id = Number(subject.slice(this.#inbox.length + 1));
    const index = id - this.#base;
    if (!(index >= 0 && index < this.#outcomes.length) || this.#outcomes[index] !== undefined) return;
    this.#outcomes[index] = parseAck(data, headers);
    this.#missing--;
    this.#inFlight--;
    this.#lastProgress = performance.now();
    if (this.#wake && (this.#inFlight <= this.#wakeBelow || this.#missing === 0)) {
      const wake = this.#wake;
      this.#wake = null;
      wake();
    }
  }

  /**
   * Publishes `messages` in order, `window` at a time, and resolves with each one's outcome once
   * all are known. Messages the client refuses (too large, a bad subject) fail without being sent.
   * Those without an ack after `timeoutMs` of silence fail as retriable.
   */
  async publishAll(messages: readonly OutgoingMessage[], options: PublishAllOptions): Promise<PublishOutcome[]> {
    const n = messages.length;
    this.#base = this.#nextId;
    this.#nextId += n;
    this.#outcomes = new Array(n);
    this.#missing = n;
    this.#inFlight = 0;
    this.#lastProgress = this.#batchStartedAt = performance.now();
    const window = Math.max(1, options.window);
    const prefix = `${this.#inbox}.`;
    const frames = this.#frames;
    for (let i = 0; i < n; i++) {
      if (this.#inFlight >= window) {
        frames?.flush();
        await this.#waitUntil(Math.floor(window / 2), options);
        if (this.#timedOut(options) || options.signal?.aborted) break;
      }
      const m = messages[i];
      try {
        if (frames) frames.add(m.subject, prefix + (this.#base + i), m.payload, m.headers);
        else this.#nc.publish(m.subject, m.payload, { reply: prefix + (this.#base + i), headers: m.headers });
        this.#inFlight++;
      } catch (error) {
        this.#outcomes[i] = { ok: false, retriable: false, error: error as Error };
        this.#missing--;
      }
    }
    frames?.flush();
    while (this.#missing > 0 && !this.#timedOut(options) && !options.signal?.aborted) await this.#waitUntil(0, options);
    const outcomes = this.#outcomes;
    if (this.#missing > 0) {
      const why = options.signal?.aborted
        ? 'the connector is stopping'
        : this.#interruptedAt >= this.#batchStartedAt
          ? `no PubAck for ${AFTER_INTERRUPT_MS} ms after ${this.#interruption}; sending again`
          : `no PubAck for ${options.timeoutMs} ms (NATS unreachable?)`;
      for (let i = 0; i < n; i++) if (outcomes[i] === undefined) outcomes[i] = { ok: false, retriable: true, error: new Error(why) };
    }
    // Acks arriving from now on belong to no batch.
    this.#base = this.#nextId;
    this.#outcomes = [];
    this.#missing = 0;
    this.#inFlight = 0;
    return outcomes as PublishOutcome[];
  }

  #timedOut(options: PublishAllOptions): boolean {
    return this.#remainingMs(options) <= 0;
  }

  /** How much longer to wait for the next ack: `timeoutMs` of silence, less after an interruption. */
  #remainingMs(options: PublishAllOptions): number {
    const now = performance.now();
    const remaining = options.timeoutMs - (now - this.#lastProgress);
    if (this.#interruptedAt < this.#batchStartedAt) return remaining;
    return Math.min(remaining, AFTER_INTERRUPT_MS - (now - Math.max(this.#lastProgress, this.#interruptedAt)));
  }

  /** Waits until at most `below` are in flight (or all acks are in), or a quiet `timeoutMs`. */
  #waitUntil(below: number, options: PublishAllOptions): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        this.#wake = null;
        resolve();
      };
      const remaining = Math.max(1, this.#remainingMs(options));
      const timer = setTimeout(done, remaining);
      options.signal?.addEventListener('abort', done, { once: true });
      this.#wakeBelow = below;
      this.#wake = done;
    });
  }

  close(): void {
    this.#sub.unsubscribe();
    this.#advisories.unsubscribe();
    this.#status.stop?.();
  }
}

const decoder = new TextDecoder();
const STORED: PublishOutcome = { ok: true, duplicate: false };
const DUPLICATE_ACK: PublishOutcome = { ok: true, duplicate: true };
const OK_ACK = (duplicate: boolean): PublishOutcome => (duplicate ? DUPLICATE_ACK : STORED);

/**
 * Whether the ack has `"duplicate"` (only present when true). A byte loop: acks are short, and a
 * native `indexOf` per ack costs more in the call than in the search.
 */
function hasDuplicateKey(data: Uint8Array): boolean {
  // "duplicate": a quote, d, u, p, … e, a quote.
  for (let i = 1; i + 9 < data.length; i++) {
    if (data[i] === 0x64 && data[i + 1] === 0x75 && data[i + 2] === 0x70 && data[i - 1] === 0x22 && data[i + 9] === 0x22 && data[i + 8] === 0x65) return true;
  }
  return false;
}

function parseAck(data: Uint8Array, headers: MsgHdrs | undefined): PublishOutcome {
  if (data.length === 0) {
    const code = headers?.code ?? 0;
    if (code === 503) return { ok: false, retriable: true, error: new PubAckError('no JetStream stream captures this subject (or JetStream is not available yet)', 503, 0) };
    return { ok: false, retriable: true, error: new PubAckError(`unexpected empty PubAck${code ? ` (status ${code} ${headers?.description ?? ''})` : ''}`, code, 0) };
  }
  // Fast path for the common `{"stream":"…","seq":N}` (with `,"duplicate": true` for a repeat).
  if (data[2] === 0x73 /* s */ && data[1] === 0x22 && data[0] === 0x7b) return OK_ACK(hasDuplicateKey(data));
  let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
  try {
    ack = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, retriable: false, error: new PubAckError(`unreadable PubAck: ${decoder.decode(data).slice(0, 80)}`, 0, 0) };
  }
  if (ack.error) {
    const errCode = ack.error.err_code ?? 0;
    const description = ack.error.description ?? 'error';
    const error = new PubAckError(`JetStream rejected the message: ${description} (${ack.error.code ?? '?'}/${errCode})`, ack.error.code ?? 0, errCode, ack.stream, description);
    return { ok: false, retriable: RETRIABLE_ERR_CODES.has(errCode), error };
  }
  return OK_ACK(ack.duplicate === true);
}
