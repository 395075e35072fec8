/**
 * Per-topic configuration, with Kafka's names, defaults where they make sense embedded, and
 * validation that names the key and the bad value.
 *
 * Durability (the flush policy) — what an acknowledged record survives:
 * - every mode: a process crash (the record was written to the file before the ack);
 * - `flush.messages=1` (the synced mode): also a power loss — the ack waits for fdatasync, and
 *   appends that arrive while one fdatasync runs share the next (group commit);
 * - otherwise (default `flush.ms=1000`): a power loss keeps a prefix of the log, losing at most the
 *   records acknowledged in the last `flush.ms` (plus the OS's write-back delay if `flush.ms` is -1);
 *   `flush.messages=N` additionally starts an fdatasync after every N records (the ack does not wait).
 */
import { InvalidConfigError } from '../errors.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export interface LogConfig {
  'segment.bytes': number;
  'segment.ms': number;
  'retention.ms': number;
  'retention.bytes': number;
  'cleanup.policy': CleanupPolicy;
  'delete.retention.ms': number;
  'min.cleanable.dirty.ratio': number;
  'max.message.bytes': number;
  'flush.messages': number;
  'flush.ms': number;
  'index.interval.bytes': number;
}

/** What a user may pass: any subset, values as numbers or strings (as from a CLI `-c key=value`). */
export type LogConfigInput = { [K in keyof LogConfig]?: LogConfig[K] | string | number };

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  'segment.bytes': 1024 * 1024 * 1024,
  'segment.ms': 7 * DAY_MS,
  'retention.ms': 7 * DAY_MS,
  'retention.bytes': -1,
  'cleanup.policy': 'delete',
  'delete.retention.ms': DAY_MS,
  'min.cleanable.dirty.ratio': 0.5,
  'max.message.bytes': 1024 * 1024 + 12,
  'flush.messages': Number.MAX_SAFE_INTEGER,
  'flush.ms': 1000,
  'index.interval.bytes': 4096,
});

interface IntRule {
  min: number;
  max?: number;
  /** -1 allowed as "unlimited". */
  unlimited?: boolean;
}

const INT_RULES: Record<Exclude<keyof LogConfig, 'cleanup.policy' | 'min.cleanable.dirty.ratio'>, IntRule> = {
  'segment.bytes': { min: 1024, max: 2 ** 31 - 1 },
  'segment.ms': { min: 1 },
  'retention.ms': { min: 0, unlimited: true },
  'retention.bytes': { min: 0, unlimited: true },
  'delete.retention.ms': { min: 0 },
  'max.message.bytes': { min: 64, max: 2 ** 31 - 1 },
  'flush.messages': { min: 1 },
  'flush.ms': { min: 0, unlimited: true },
  'index.interval.bytes': { min: 0 },
};

const POLICIES: readonly string[] = ['delete', 'compact', 'compact,delete', 'delete,compact'];

/**
 * Validates `input` and merges it over `base` (defaults unless given).
 * @throws InvalidConfigError naming the first unknown key or bad value.
 */
export function parseLogConfig(input: LogConfigInput | Record<string, unknown> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const config: LogConfig = { ...base };
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (key === 'cleanup.policy') {
      const value = String(raw).replace(/\s+/g, '');
      if (!POLICIES.includes(value)) {
        throw new InvalidConfigError(`invalid value "${String(raw)}" for config cleanup.policy: expected delete, compact or compact,delete`, key);
      }
      config['cleanup.policy'] = value === 'delete,compact' ? 'compact,delete' : (value as CleanupPolicy);
      continue;
    }
    if (key === 'min.cleanable.dirty.ratio') {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0 || value > 1) {
        throw new InvalidConfigError(`invalid value "${String(raw)}" for config min.cleanable.dirty.ratio: expected a number from 0 to 1`, key);
      }
      config[key] = value;
      continue;
    }
    const rule = (INT_RULES as Record<string, IntRule | undefined>)[key];
    if (!rule) {
      throw new InvalidConfigError(`unknown topic config "${key}"; known: ${Object.keys(DEFAULT_LOG_CONFIG).join(', ')}`, key);
    }
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    const ok =
      Number.isSafeInteger(value) && ((value >= rule.min && (rule.max === undefined || value <= rule.max)) || (rule.unlimited === true && value === -1));
    if (!ok) {
      const range = `an integer ≥ ${rule.min}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`}${rule.unlimited ? ', or -1 for unlimited' : ''}`;
      throw new InvalidConfigError(`invalid value "${String(raw)}" for config ${key}: expected ${range}`, key);
    }
    (config as unknown as Record<string, number>)[key] = value;
  }
  return config;
}

/** The keys of `config` that differ from the defaults, for describing and persisting a topic. */
export function configOverrides(config: LogConfig): Partial<LogConfig> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_LOG_CONFIG) as (keyof LogConfig)[]) {
    if (config[key] !== DEFAULT_LOG_CONFIG[key]) out[key] = config[key];
  }
  return out as Partial<LogConfig>;
}

export function isCompacted(config: LogConfig): boolean {
  return config['cleanup.policy'] !== 'delete';
}

export function deletesOldSegments(config: LogConfig): boolean {
  return config['cleanup.policy'] !== 'compact';
}
