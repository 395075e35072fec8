/**
 * `drop-field`: removes fields from the value (Kafka Connect's ReplaceField `exclude`).
 *
 * @example
 *   transforms:
 *     - { type: drop-field, fields: [password, internal.trace] }
 */
import { compileFieldPath } from './field-path.js';
import { objectValue, type TransformType } from './transform.js';

export const dropFieldTransform: TransformType<{ fields: string | string[] }> = {
  type: 'drop-field',
  description: 'Removes fields (dotted paths) from the value; missing fields are ignored.',
  schema: {
    properties: {
      fields: {
        description: 'A field or a list of fields to remove.',
        type: ['string', 'array'],
        minLength: 1,
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        examples: ['password', ['password', 'internal.trace']],
      },
    },
    required: ['fields'],
  },
  create(config) {
    const paths = (Array.isArray(config.fields) ? config.fields : [config.fields]).map(compileFieldPath);
    return {
      apply(record) {
        const value = objectValue(record, 'drop-field');
        for (const p of paths) p.delete(value);
        return record;
      },
    };
  },
};
