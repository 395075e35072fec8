/**
 * How damage found in stored data is reported: on the `sluice:log:corruption` diagnostics channel
 * (for metrics, tests and tools) and as one process warning line on stderr (`SluiceCorruptionWarning`),
 * so that it is never silent even when nobody subscribes. Called where recovery cuts an unflushed
 * tail (moved aside, not deleted), finds damage below the recovery point (kept, skipped), cannot
 * read a recovery-point file, or skips damaged committed offsets.
 */
import { channel } from 'node:diagnostics_channel';

export interface CorruptionReport {
  kind: 'tail-moved-aside' | 'damaged-range' | 'recovery-point-unreadable' | 'offsets-skipped';
  /** The file holding the damage. */
  file: string;
  topic?: string;
  partition?: number;
  /** Byte position of the damage in `file`. */
  position?: number;
  /** Bytes affected. */
  bytes?: number;
  /** Offsets `[firstOffset, nextOffset)` affected, where known. */
  firstOffset?: number;
  nextOffset?: number;
  /** Where a cut tail was moved. */
  movedTo?: string;
  /** The one-line description that is also printed. */
  message: string;
}

const corruptionChannel = channel('sluice:log:corruption');

export function reportCorruption(report: CorruptionReport): void {
  if (corruptionChannel.hasSubscribers) corruptionChannel.publish(report);
  process.emitWarning(report.message, { type: 'SluiceCorruptionWarning', code: `SLUICE_${report.kind.toUpperCase().replaceAll('-', '_')}` });
}
