/**
 * Status and progress of running connectors, and the `node:diagnostics_channel` channels they are
 * published on (free when nobody subscribes). The CLI's status line and metrics subscribe:
 *
 * - `sluice:connector:status` — `ConnectorStatusEvent` on every state change
 *   (starting → running ⇄ paused, → failed (with the error) | stopped).
 * - `sluice:connector:records` — `ConnectorRecordsEvent` after every batch acknowledged (source:
 *   by the log; sink: by the destination), with the running totals and the batch's bytes.
 * - `sluice:connector:retry` — `ConnectorRetryEvent` before each wait to reconnect.
 * - `sluice:connector:warning` — `ConnectorWarningEvent`: something the user should know that does
 *   not stop the connector (a file path matching nothing yet, NATS lost and back).
 * - `sluice:connector:dropped` — `ConnectorDroppedEvent`: messages a source lost before they became
 *   records (a core NATS source's full buffer), with the reason and the running total.
 *
 * @example
 *   import { subscribe } from 'node:diagnostics_channel';
 *   subscribe('sluice:connector:records', (e) => console.log((e as ConnectorRecordsEvent).name, (e as ConnectorRecordsEvent).recordsOut));
 */
import { channel } from 'node:diagnostics_channel';

export const STATUS_CHANNEL = 'sluice:connector:status';
export const RECORDS_CHANNEL = 'sluice:connector:records';
export const RETRY_CHANNEL = 'sluice:connector:retry';
export const WARNING_CHANNEL = 'sluice:connector:warning';
export const DROPPED_RECORDS_CHANNEL = 'sluice:connector:dropped';

const statusChannel = channel(STATUS_CHANNEL);
const recordsChannel = channel(RECORDS_CHANNEL);
const retryChannel = channel(RETRY_CHANNEL);
const warningChannel = channel(WARNING_CHANNEL);
const droppedChannel = channel(DROPPED_RECORDS_CHANNEL);

export interface ConnectorWarningEvent {
  name: string;
  connector: string;
  kind: 'source' | 'sink';
  message: string;
}

export interface ConnectorDroppedEvent {
  name: string;
  connector: string;
  kind: 'source' | 'sink';
  /** Messages lost this time. */
  count: number;
  /** Why, e.g. "buffer full (nats.buffer.max.messages: 1000)". */
  reason: string;
  /** Messages this connector lost so far. */
  total: number;
}

/** Publishes a connector's warning (free when nobody listens). */
export function publishConnectorWarning(event: ConnectorWarningEvent): void {
  if (warningChannel.hasSubscribers) warningChannel.publish(event);
}

export type ConnectorState = 'starting' | 'running' | 'paused' | 'failed' | 'stopped';

export interface ConnectorStatus {
  name: string;
  /** The connector type, e.g. `file-source`. */
  connector: string;
  kind: 'source' | 'sink';
  state: ConnectorState;
  /** Why the connector failed (state `failed`). */
  error?: Error;
  /** Set while an unreachable source or destination is being retried. */
  retrying?: { attempt: number; error: Error; sinceMs: number };
  /** Source: records polled from the outside system. Sink: records read from the topics. */
  recordsIn: number;
  /** Source: records acknowledged by the log. Sink: records acknowledged by the destination. */
  recordsOut: number;
  /** Records dropped by a filter transform. */
  recordsFiltered: number;
  /** Records that failed and were skipped (`errors.tolerance=all`), to the dead-letter topic if set. */
  recordsFailed: number;
  /** Sources: messages lost before they became records (a full buffer); see `SourceContext.dropped`. */
  recordsDropped: number;
  /** Sinks: records in the topics not yet acknowledged by the destination (log end − acknowledged). */
  lag?: number;
  /**
   * Source: the last poll found nothing new and everything read is acknowledged with its position
   * stored. Sink: every partition is assigned and acknowledged up to its log end.
   */
  idle: boolean;
  /**
   * Sources in a batch run whose task can tell that its input ended (`SourceTask.drained`): `true`
   * once it did and every record is acknowledged — it will write nothing more. Absent otherwise.
   */
  drained?: boolean;
}

export interface ConnectorStatusEvent {
  name: string;
  connector: string;
  kind: 'source' | 'sink';
  state: ConnectorState;
  previous: ConnectorState;
  error?: Error;
}

export interface ConnectorRecordsEvent {
  name: string;
  kind: 'source' | 'sink';
  /** Records in the batch just acknowledged. */
  batch: number;
  recordsIn: number;
  recordsOut: number;
  recordsFiltered: number;
  recordsFailed: number;
  lag?: number;
  /**
   * Key and value bytes of the batch's records in the log (`recordBytes`): source: the records it
   * wrote; sink: the records it read (filtered and failed ones included).
   */
  bytes: number;
}

export interface ConnectorRetryEvent {
  name: string;
  kind: 'source' | 'sink';
  /** `poll` (source) or `put` (sink). */
  operation: string;
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Holds one connector's status and publishes its changes. */
export class StatusTracker {
  readonly #status: ConnectorStatus;
  // Declared before `drained`, whose initializer assigns it.
  #onDrained: () => void = () => {};
  /** Resolves when the source reports its input drained (see {@link setDrained}). */
  readonly drained: Promise<void> = new Promise((resolve) => (this.#onDrained = resolve));

  constructor(name: string, connector: string, kind: 'source' | 'sink') {
    this.#status = { name, connector, kind, state: 'starting', recordsIn: 0, recordsOut: 0, recordsFiltered: 0, recordsFailed: 0, recordsDropped: 0, idle: false };
    if (kind === 'sink') this.#status.lag = undefined;
  }

  get state(): ConnectorState {
    return this.#status.state;
  }

  /** A snapshot (safe to keep). */
  snapshot(): ConnectorStatus {
    const s = { ...this.#status };
    if (s.retrying) s.retrying = { ...s.retrying };
    return s;
  }

  setState(state: ConnectorState, error?: Error): void {
    const previous = this.#status.state;
    if (previous === state) return;
    this.#status.state = state;
    if (error) this.#status.error = error;
    if (state !== 'failed' && state !== 'stopped') delete this.#status.error;
    if (state === 'failed' || state === 'stopped') {
      this.#status.idle = false;
      delete this.#status.retrying;
    }
    if (statusChannel.hasSubscribers) {
      statusChannel.publish({ name: this.#status.name, connector: this.#status.connector, kind: this.#status.kind, state, previous, error } satisfies ConnectorStatusEvent);
    }
  }

  addIn(n: number): void {
    this.#status.recordsIn += n;
  }

  /** Counts an acknowledged batch and publishes progress; `bytes` is only called when someone listens. */
  acknowledged(batch: number, out: number, filtered: number, failed: number, bytes: () => number): void {
    const s = this.#status;
    s.recordsOut += out;
    s.recordsFiltered += filtered;
    s.recordsFailed += failed;
    if (recordsChannel.hasSubscribers) {
      recordsChannel.publish({
        name: s.name,
        kind: s.kind,
        batch,
        recordsIn: s.recordsIn,
        recordsOut: s.recordsOut,
        recordsFiltered: s.recordsFiltered,
        recordsFailed: s.recordsFailed,
        lag: s.lag,
        bytes: bytes(),
      } satisfies ConnectorRecordsEvent);
    }
  }

  /** Counts messages a source lost before they became records, and publishes it. */
  dropped(count: number, reason: string): void {
    const s = this.#status;
    s.recordsDropped += count;
    if (droppedChannel.hasSubscribers) {
      droppedChannel.publish({ name: s.name, connector: s.connector, kind: s.kind, count, reason, total: s.recordsDropped } satisfies ConnectorDroppedEvent);
    }
  }

  setLag(lag: number | undefined): void {
    this.#status.lag = lag;
  }

  setIdle(idle: boolean): void {
    this.#status.idle = idle;
  }

  /** A source that can drain: `drained` is `false` until {@link setDrained}. */
  canDrain(): void {
    this.#status.drained ??= false;
  }

  /** The source's input ended and everything is acknowledged; resolves {@link drained}. */
  setDrained(): void {
    this.#status.drained = true;
    this.#status.idle = true;
    this.#onDrained();
  }

  retrying(operation: string, attempt: number, error: unknown, delayMs: number): void {
    const s = this.#status;
    s.retrying = { attempt, error: error instanceof Error ? error : new Error(String(error)), sinceMs: s.retrying?.sinceMs ?? Date.now() };
    if (retryChannel.hasSubscribers) retryChannel.publish({ name: s.name, kind: s.kind, operation, attempt, delayMs, error } satisfies ConnectorRetryEvent);
  }

  recovered(): void {
    delete this.#status.retrying;
  }
}
