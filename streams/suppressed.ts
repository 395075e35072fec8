/**
 * Suppression of a table's intermediate updates (Kafka Streams' `Suppressed`): the updates of a
 * key wait in a buffer and only the latest is emitted —
 * - `untilWindowCloses(bufferConfig)`: once per window, when stream time passes the window's end
 *   plus grace (final results of a windowed table; tombstones are not emitted);
 * - `untilTimeLimit(timeLimitMs, bufferConfig)`: once `timeLimitMs` of stream time passed since the
 *   key's first buffered update (windowed or not).
 * Stream time is the largest timestamp of the updates the suppression has seen. The buffer is a
 * state store with a changelog, so a restarted task resumes with what was buffered.
 *
 * @example
 *   counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded())).toStream().to('final-counts')
 *   totals.suppress(Suppressed.untilTimeLimit(60_000, BufferConfig.maxRecords(10_000).emitEarlyWhenFull()))
 */
import { InvalidConfigError } from '../core/index.js';

/** What a full buffer does: emit its oldest records early, or fail the task. */
export type BufferFullStrategy = 'emitEarly' | 'shutDown';

/** The size bound of a suppression buffer (Kafka's `Suppressed.BufferConfig`). */
export class BufferConfig {
  /** At most this many keys (Infinity: no bound). */
  readonly maxRecords: number;
  /** At most this many bytes of serialized keys and values (Infinity: no bound). */
  readonly maxBytes: number;
  readonly whenFull: BufferFullStrategy;

  private constructor(maxRecords: number, maxBytes: number, whenFull: BufferFullStrategy) {
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.whenFull = whenFull;
  }

  /** No bound: the buffer holds everything (strict: never emits early). */
  static unbounded(): BufferConfig {
    return new BufferConfig(Infinity, Infinity, 'shutDown');
  }

  /** At most `n` keys; when full, the task fails unless `emitEarlyWhenFull()` is chosen. */
  static maxRecords(n: number): BufferConfig {
    return BufferConfig.unbounded().withMaxRecords(n);
  }

  /** At most `n` bytes; when full, the task fails unless `emitEarlyWhenFull()` is chosen. */
  static maxBytes(n: number): BufferConfig {
    return BufferConfig.unbounded().withMaxBytes(n);
  }

  withMaxRecords(n: number): BufferConfig {
    return new BufferConfig(positive('maxRecords', n), this.maxBytes, this.whenFull);
  }

  withMaxBytes(n: number): BufferConfig {
    return new BufferConfig(this.maxRecords, positive('maxBytes', n), this.whenFull);
  }

  /** When full, emit the oldest records before their time (only with `untilTimeLimit`). */
  emitEarlyWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'emitEarly');
  }

  /** When full, fail the task with `SuppressionBufferFullError` (the default). */
  shutDownWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'shutDown');
  }
}

export interface Suppressed {
  readonly kind: 'untilWindowCloses' | 'untilTimeLimit';
  /** `untilTimeLimit`: how long (stream time) a key's updates wait. */
  readonly timeLimitMs: number;
  readonly buffer: BufferConfig;
  /** The buffer's store name (its changelog is `<appId>-<name>-changelog`; default: generated). */
  readonly name?: string;
}

export const Suppressed = {
  /** Final results: one record per window, when it closes. The buffer must not emit early. */
  untilWindowCloses(buffer: BufferConfig, options: { name?: string } = {}): Suppressed {
    if (buffer.whenFull === 'emitEarly') throw new InvalidConfigError('untilWindowCloses needs a strict buffer (unbounded, or shutDownWhenFull): emitting early would not be a final result', 'buffer');
    return { kind: 'untilWindowCloses', timeLimitMs: 0, buffer, name: options.name };
  },
  /** The latest update per key, `timeLimitMs` of stream time after the key's first buffered update. */
  untilTimeLimit(timeLimitMs: number, buffer: BufferConfig, options: { name?: string } = {}): Suppressed {
    if (!Number.isSafeInteger(timeLimitMs) || timeLimitMs < 0) throw new InvalidConfigError(`untilTimeLimit needs a non-negative integer (ms), got ${timeLimitMs}`, 'timeLimitMs');
    return { kind: 'untilTimeLimit', timeLimitMs, buffer, name: options.name };
  },
} as const;

function positive(what: string, n: number): number {
  if (!(n > 0) || (!Number.isSafeInteger(n) && n !== Infinity)) throw new InvalidConfigError(`BufferConfig ${what} must be a positive integer, got ${n}`, what);
  return n;
}

/** `BufferConfig.unbounded()`, for `Suppressed.untilWindowCloses(unbounded())` as Kafka users write it. */
export function unbounded(): BufferConfig {
  return BufferConfig.unbounded();
}
