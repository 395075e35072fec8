/**
 * Sliding windows (Kafka Streams' `SlidingWindows`): fixed-size windows `[start, start + timeDifference]`,
 * both ends inclusive, that exist only where records are. Two records of a key fall in one window
 * exactly when their timestamps differ by at most `timeDifferenceMs`. Each record creates at most
 * two windows: its left window `[t - timeDifference, t]` (ending at the record) and, when a later
 * record is within `timeDifference`, its right window `[t + 1, t + 1 + timeDifference]`, so every
 * distinct set of records that can share a window is aggregated once — not every millisecond as a
 * hopping window with a 1 ms advance would.
 *
 * A window closes once stream time passes `end + grace` (`end` is inclusive: the window with
 * `end + grace == streamTime` is still open); a record whose windows are all closed is late.
 *
 * @example
 *   grouped.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10_000, 2_000)).count({ name: 'per-10s' })
 */
import { InvalidConfigError } from '../core/index.js';

export interface SlidingWindows {
  readonly kind: 'sliding';
  /** The largest difference between the timestamps of two records in one window, in ms. */
  readonly timeDifferenceMs: number;
  readonly graceMs: number;
}

/** Sliding windows of `timeDifferenceMs` that accept records up to `graceMs` after a window's end. */
export function sliding(timeDifferenceMs: number, options: { graceMs?: number } = {}): SlidingWindows {
  if (!Number.isSafeInteger(timeDifferenceMs) || timeDifferenceMs <= 0) {
    throw new InvalidConfigError(`sliding window timeDifferenceMs must be a positive integer (ms), got ${timeDifferenceMs}`, 'timeDifferenceMs');
  }
  const graceMs = options.graceMs ?? 0;
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new InvalidConfigError(`sliding window graceMs must be a non-negative integer (ms), got ${graceMs}`, 'graceMs');
  return { kind: 'sliding', timeDifferenceMs, graceMs };
}

/** Kafka's factory names for sliding windows. */
export const SlidingWindows = {
  /** `SlidingWindows.ofTimeDifferenceAndGrace(timeDifference, afterWindowEnd)`, in ms. */
  ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return sliding(timeDifferenceMs, { graceMs });
  },
  /** `SlidingWindows.ofTimeDifferenceWithNoGrace(timeDifference)`, in ms: grace 0. */
  ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return sliding(timeDifferenceMs, { graceMs: 0 });
  },
} as const;
