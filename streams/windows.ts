/**
 * Window definitions for windowed aggregations, on event time:
 *
 * - tumbling: fixed-size, non-overlapping windows `[n·size, (n+1)·size)`;
 * - hopping: fixed-size windows starting every `advanceMs`, so a record falls in `size / advance` of them;
 * - session: per key, activity separated by gaps longer than `gapMs` (windows merge as records arrive).
 *
 * A window *closes* once stream time (the largest timestamp the task has seen) passes its end plus
 * the grace period. A record for a closed window is late: it is counted and dropped (or routed to a
 * topic), never silently lost. With `emit: 'onWindowClose'` an aggregation emits each window once,
 * when it closes; with the default `'onUpdate'` it emits every change.
 *
 * @example
 *   grouped.windowedBy(tumbling(60_000, { graceMs: 10_000 })).count({ name: 'views-per-minute' })
 */
import { InvalidConfigError } from '../core/index.js';
import type { TimeWindow } from './record.js';

export interface WindowOptions {
  /** How long after a window's end records are still accepted (default 0). */
  graceMs?: number;
}

export interface TimeWindows {
  readonly kind: 'time';
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
}

export interface SessionWindows {
  readonly kind: 'session';
  readonly gapMs: number;
  readonly graceMs: number;
}

/** Fixed-size, non-overlapping windows of `sizeMs`. */
export function tumbling(sizeMs: number, options: WindowOptions = {}): TimeWindows {
  return hopping(sizeMs, sizeMs, options);
}

/** Fixed-size windows of `sizeMs` starting every `advanceMs` (≤ `sizeMs`). */
export function hopping(sizeMs: number, advanceMs: number, options: WindowOptions = {}): TimeWindows {
  positive('sizeMs', sizeMs);
  positive('advanceMs', advanceMs);
  if (advanceMs > sizeMs) throw new InvalidConfigError(`window advanceMs (${advanceMs}) must not exceed sizeMs (${sizeMs})`, 'advanceMs');
  return { kind: 'time', sizeMs, advanceMs, graceMs: grace(options) };
}

/** Session windows: a key's records closer than `gapMs` to each other share a session. */
export function session(gapMs: number, options: WindowOptions = {}): SessionWindows {
  positive('gapMs', gapMs);
  return { kind: 'session', gapMs, graceMs: grace(options) };
}

/** The windows of `w` that contain `timestamp`, oldest first. */
export function windowsFor(w: TimeWindows, timestamp: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  if (timestamp < 0) return out;
  // The latest window containing the timestamp starts at the last multiple of advance ≤ timestamp.
  let start = timestamp - (((timestamp % w.advanceMs) + w.advanceMs) % w.advanceMs);
  const first = Math.max(0, timestamp - w.sizeMs + 1);
  for (; start >= first; start -= w.advanceMs) out.unshift({ start, end: start + w.sizeMs });
  return out;
}

function positive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidConfigError(`window ${name} must be a positive integer (ms), got ${value}`, name);
}

function grace(options: WindowOptions): number {
  const g = options.graceMs ?? 0;
  if (!Number.isSafeInteger(g) || g < 0) throw new InvalidConfigError(`window graceMs must be a non-negative integer (ms), got ${g}`, 'graceMs');
  return g;
}
