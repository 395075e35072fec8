/**
 * `key-from-field`: the record key becomes a field of the value (Kafka Connect's ValueToKey +
 * ExtractField): records with the same field value go to the same partition.
 *
 * @example
 *   transforms:
 *     - { type: key-from-field, field: customer.id }
 */
import { compileFieldPath } from './field-path.js';
import { fieldPathSchema, objectValue, type TransformType } from './transform.js';

export const keyFromFieldTransform: TransformType<{ field: string; 'on.missing': 'null' | 'error' }> = {
  type: 'key-from-field',
  description: 'Sets the record key to a field of the value (strings as they are, other values as JSON by the key converter).',
  schema: {
    properties: {
      field: fieldPathSchema('The field whose value becomes the key (dotted path).', 'customer.id'),
      'on.missing': {
        enum: ['null', 'error'],
        default: 'null',
        description: 'When the field is missing: a null key, or an error (the record then follows errors.tolerance).',
        examples: ['error'],
      },
    },
    required: ['field'],
  },
  create(config) {
    const path = compileFieldPath(config.field);
    const strict = config['on.missing'] === 'error';
    return {
      apply(record) {
        const key = path.get(objectValue(record, 'key-from-field'));
        if (key === undefined && strict) throw new Error(`the value has no field "${config.field}"`);
        record.key = key === undefined ? null : key;
        return record;
      },
    };
  },
};
