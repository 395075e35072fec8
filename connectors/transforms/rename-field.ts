/**
 * `rename-field`: moves a field of the value to another name (Kafka Connect's ReplaceField
 * `renames`). A missing field is left alone.
 *
 * @example
 *   transforms:
 *     - { type: rename-field, from: usr, to: user.name }
 */
import { compileFieldPath } from './field-path.js';
import { fieldPathSchema, objectValue, type TransformType } from './transform.js';

export const renameFieldTransform: TransformType<{ from: string; to: string }> = {
  type: 'rename-field',
  description: 'Renames (moves) a field of the value; a missing field is left alone.',
  schema: {
    properties: {
      from: fieldPathSchema('The field to rename (dotted path).', 'usr'),
      to: fieldPathSchema('Its new name (dotted path; intermediate objects are created).', 'user.name'),
    },
    required: ['from', 'to'],
  },
  create(config) {
    const from = compileFieldPath(config.from);
    const to = compileFieldPath(config.to);
    return {
      apply(record) {
        const value = objectValue(record, 'rename-field');
        const moved = from.get(value);
        if (moved === undefined) return record;
        from.delete(value);
        if (!to.set(value, moved)) throw new Error(`cannot set "${config.to}": a step of the path is not an object`);
        return record;
      },
    };
  },
};
