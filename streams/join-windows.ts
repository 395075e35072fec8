/**
 * The time bounds of a stream-stream join (Kafka's `JoinWindows`): a left record at time t joins
 * the right records with timestamps in `[t - beforeMs, t + afterMs]` — equivalently, a right
 * record at t joins the left records in `[t - afterMs, t + beforeMs]`. Records are kept (in the
 * join's window store) until stream time passes their window plus the grace period; a left or
 * outer join emits a record that found no partner only then, when its window has closed (Kafka ≥
 * 3.1, no "spurious" early null results).
 *
 * @example
 *   JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000)          // ±5 s, 1 s grace
 *   JoinWindows.ofTimeDifferenceWithNoGrace(5_000).before(0)      // right records up to 5 s after the left one
 */
import { InvalidConfigError } from '../core/index.js';
import type { JoinWindowsSpec } from './topology/nodes.js';

export class JoinWindows implements JoinWindowsSpec {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    if (!Number.isSafeInteger(beforeMs) || !Number.isSafeInteger(afterMs)) throw new InvalidConfigError(`join window bounds must be integers (ms), got before ${beforeMs}, after ${afterMs}`, 'timeDifferenceMs');
    if (beforeMs + afterMs < 0) throw new InvalidConfigError(`join window size (before ${beforeMs} + after ${afterMs}) must not be negative`, 'timeDifferenceMs');
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new InvalidConfigError(`join window graceMs must be a non-negative integer (ms), got ${graceMs}`, 'graceMs');
    this.beforeMs = beforeMs;
    this.afterMs = afterMs;
    this.graceMs = graceMs;
  }

  /** Records at most `timeDifferenceMs` apart join; records later than the window are not waited for. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  /** Records at most `timeDifferenceMs` apart join; out-of-order records are accepted for `graceMs` after the window. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    if (!Number.isSafeInteger(timeDifferenceMs) || timeDifferenceMs < 0) throw new InvalidConfigError(`join window timeDifferenceMs must be a non-negative integer (ms), got ${timeDifferenceMs}`, 'timeDifferenceMs');
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  /** The same windows with right records accepted up to `ms` before the left one (may be negative). */
  before(ms: number): JoinWindows {
    return new JoinWindows(ms, this.afterMs, this.graceMs);
  }

  /** The same windows with right records accepted up to `ms` after the left one (may be negative). */
  after(ms: number): JoinWindows {
    return new JoinWindows(this.beforeMs, ms, this.graceMs);
  }

  /** How long a buffered record is kept after its timestamp: `beforeMs + afterMs + graceMs`. */
  get retentionMs(): number {
    return this.beforeMs + this.afterMs + this.graceMs;
  }
}
