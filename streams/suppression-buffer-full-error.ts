import { SluiceError } from '../core/index.js';

/**
 * A suppression buffer configured to shut down when full (`BufferConfig.shutDownWhenFull()`, the
 * default of a bounded buffer) went over its bound: the task fails rather than emit a result early.
 */
export class SuppressionBufferFullError extends SluiceError {
  constructor(store: string, records: number, bytes: number, limits: { maxRecords: number; maxBytes: number }) {
    super(
      'SUPPRESSION_BUFFER_FULL',
      `suppression buffer "${store}" is full (${records} records, ${bytes} bytes; maxRecords ${limits.maxRecords}, maxBytes ${limits.maxBytes}) and is configured to shut down when full; raise its bound or use emitEarlyWhenFull() with untilTimeLimit`,
    );
  }
}
