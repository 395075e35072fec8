/**
 * `insert-field`: sets a field of the value to a constant or to the result of a JSONata
 * expression (Kafka Connect's InsertField, with expressions instead of fixed metadata fields).
 *
 * @example
 *   transforms:
 *     - { type: insert-field, field: source, value: app-1 }
 *     - { type: insert-field, field: meta.offset, expression: $offset }
 */
import { compileFieldPath } from './field-path.js';
import { checkExpression, compileExpression } from './jsonata-expression.js';
import { fieldPathSchema, objectValue, type TransformRecord, type TransformType } from './transform.js';

export const insertFieldTransform: TransformType<{ field: string; value?: unknown; expression?: string }> = {
  type: 'insert-field',
  description: 'Sets a field of the value to a constant (value) or to a JSONata expression\'s result (expression).',
  schema: {
    properties: {
      field: fieldPathSchema('Field to set (dotted path; intermediate objects are created).', 'meta.source'),
      value: { description: 'The constant to set (any JSON value). Exactly one of value and expression.', examples: ['app-1', 42, { region: 'eu' }] },
      expression: { type: 'string', minLength: 1, description: 'JSONata expression whose result is set. Exactly one of value and expression.', examples: ['$topic', '$now()'] },
    },
    required: ['field'],
  },
  validate(config) {
    const hasValue = Object.hasOwn(config, 'value');
    const hasExpression = config.expression !== undefined;
    if (hasValue === hasExpression) return [{ path: '', message: 'needs exactly one of "value" and "expression"' }];
    return checkExpression(config.expression, '/expression');
  },
  create(config) {
    const path = compileFieldPath(config.field);
    const set = (record: TransformRecord, value: unknown): TransformRecord => {
      if (!path.set(objectValue(record, 'insert-field'), value)) throw new Error(`cannot set "${config.field}": a step of the path is not an object`);
      return record;
    };
    if (config.expression === undefined) {
      const constant = config.value;
      const copy = typeof constant === 'object' && constant !== null ? () => structuredClone(constant) : () => constant;
      return { apply: (record) => set(record, copy()) };
    }
    const expression = compileExpression(config.expression);
    return { apply: async (record) => set(record, await expression.evaluate(record)) };
  },
};
