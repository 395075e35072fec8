/**
 * Where `groups reset-offsets` moves a group's offsets, from its `--to-*` options — shared with the
 * console's reset (its request body carries the same four fields), so both check the same way.
 */
import type { OffsetResetTarget } from '../core/index.js';
import { UsageError } from './errors.js';

export interface ResetTargetOptions {
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toDatetime?: string;
}

/** Exactly one `--to-*` option, parsed; a usage error otherwise (before anything is opened). */
export function resetTarget(options: ResetTargetOptions): OffsetResetTarget {
  const given = [options.toEarliest, options.toLatest, options.toOffset, options.toDatetime].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO');
  if (options.toEarliest) return 'earliest';
  if (options.toLatest) return 'latest';
  if (options.toOffset !== undefined) {
    const offset = /^[0-9]+$/.test(options.toOffset) ? Number(options.toOffset) : NaN;
    if (!Number.isSafeInteger(offset)) throw new UsageError(`--to-offset: expected a non-negative integer, got "${options.toOffset}"`);
    return { offset };
  }
  const ms = Date.parse(options.toDatetime!);
  if (Number.isNaN(ms)) throw new UsageError(`--to-datetime: expected an ISO 8601 date-time, got "${options.toDatetime}"`);
  return { datetime: ms };
}
