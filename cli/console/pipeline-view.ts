/**
 * A running pipeline as the console's pipeline page shows it (`sluice run --console`): per source
 * and sink its state, records in and out with their rates, lag, failed records (those sent to the
 * dead-letter topic under `errors.tolerance=all`) and dropped ones, and its error; the streams
 * with their lag and late/skipped records. Fed by `runPipeline`'s `onStatus`; rates are measured
 * between two status reports.
 */
import type { PipelineStatus } from '../../pipelines/index.js';
import { Rates } from '../status-line.js';

export interface ConnectorView {
  name: string;
  connector: string;
  kind: 'source' | 'sink';
  state: string;
  recordsIn: number;
  recordsOut: number;
  /** Records out per second (acknowledged by the log for a source, by the destination for a sink). */
  outPerSecond: number;
  lag: number | null;
  /** Failed records, skipped and sent to the dead-letter topic when one is set. */
  failed: number;
  dropped: number;
  error: string | null;
}

export interface PipelineView {
  name: string;
  /** False until the first status report. */
  started: boolean;
  connectors: ConnectorView[];
  streams: { recordsIn: number; recordsOut: number; inPerSecond: number; lag: number; lateRecords: number; skippedRecords: number; tasks: number } | null;
}

/** Keeps the last status of pipeline `name` and turns it into a `PipelineView` on demand. */
export class PipelineWatch {
  readonly #name: string;
  readonly #rates = new Rates();
  #view: PipelineView;

  constructor(name: string) {
    this.#name = name;
    this.#view = { name, started: false, connectors: [], streams: null };
  }

  /** Takes a status report (the rates are since the previous one). */
  update(status: PipelineStatus): void {
    const s = status.streams;
    this.#view = {
      name: this.#name,
      started: true,
      connectors: status.connectors.map((c) => ({
        name: c.name,
        connector: c.connector,
        kind: c.kind,
        state: c.state,
        recordsIn: c.recordsIn,
        recordsOut: c.recordsOut,
        outPerSecond: this.#rates.rate(`connector:${c.name}`, c.recordsOut),
        lag: c.lag ?? null,
        failed: c.recordsFailed,
        dropped: c.recordsDropped,
        error: c.error?.message ?? c.retrying?.error.message ?? null,
      })),
      streams: s ? { recordsIn: s.recordsIn, recordsOut: s.recordsOut, inPerSecond: this.#rates.rate('streams', s.recordsIn), lag: s.lag, lateRecords: s.lateRecords, skippedRecords: s.skippedRecords, tasks: s.tasks } : null,
    };
  }

  view(): PipelineView {
    return this.#view;
  }
}
