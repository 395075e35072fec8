/**
 * `filter`: keeps the records for which a JSONata expression is true (truthy), drops the others.
 *
 * @example
 *   transforms:
 *     - type: filter
 *       expression: level != "debug"
 */
import { checkExpression, compileExpression } from './jsonata-expression.js';
import type { TransformType } from './transform.js';

export const filterTransform: TransformType<{ expression: string }> = {
  type: 'filter',
  description: 'Keeps records for which the JSONata expression is true; drops the others. Input: the value; $key, $topic, $partition, $offset, $timestamp, $headers are bound.',
  schema: {
    properties: {
      expression: {
        type: 'string',
        minLength: 1,
        description: 'JSONata expression evaluated on each record\'s value; a truthy result keeps the record.',
        examples: ['level != "debug"', '$topic = "orders" and total > 100'],
      },
    },
    required: ['expression'],
  },
  validate: (config) => checkExpression(config.expression, '/expression'),
  create(config) {
    const expression = compileExpression(config.expression);
    return {
      apply: async (record) => {
        const keep = await expression.evaluate(record);
        return keep ? record : null;
      },
    };
  },
};
