/**
 * `timestamp-from-field`: the record timestamp becomes a field of the value (event time instead of
 * the time the record was read).
 *
 * @example
 *   transforms:
 *     - { type: timestamp-from-field, field: ts, format: iso8601 }
 */
import { compileFieldPath } from './field-path.js';
import { fieldPathSchema, objectValue, type TransformType } from './transform.js';

type TimestampFormat = 'auto' | 'epoch-ms' | 'epoch-s' | 'iso8601';

export const timestampFromFieldTransform: TransformType<{ field: string; format: TimestampFormat }> = {
  type: 'timestamp-from-field',
  description: 'Sets the record timestamp from a field of the value (epoch milliseconds or seconds, or an ISO-8601 string).',
  schema: {
    properties: {
      field: fieldPathSchema('The field holding the timestamp (dotted path).', 'event.time'),
      format: {
        enum: ['auto', 'epoch-ms', 'epoch-s', 'iso8601'],
        default: 'auto',
        description: 'auto: a number is epoch milliseconds, a string is parsed as a date (ISO-8601). epoch-ms, epoch-s: a number (or numeric string). iso8601: a date string.',
        examples: ['epoch-s'],
      },
    },
    required: ['field'],
  },
  create(config) {
    const path = compileFieldPath(config.field);
    return {
      apply(record) {
        const raw = path.get(objectValue(record, 'timestamp-from-field'));
        record.timestamp = toTimestamp(raw, config.format, config.field);
        return record;
      },
    };
  },
};

function toTimestamp(raw: unknown, format: TimestampFormat, field: string): number {
  let ms: number;
  if (raw === undefined || raw === null) throw new Error(`the value has no field "${field}"`);
  const numeric = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  switch (format) {
    case 'epoch-ms':
      ms = numeric;
      break;
    case 'epoch-s':
      ms = numeric * 1000;
      break;
    case 'iso8601':
      ms = typeof raw === 'string' ? Date.parse(raw) : NaN;
      break;
    default:
      ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
  }
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`field "${field}" holds ${JSON.stringify(raw)}, not a timestamp (format ${format})`);
  return Math.trunc(ms);
}
