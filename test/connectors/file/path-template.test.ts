import { describe, expect, test } from 'vitest';
import { compilePathTemplate, unknownPlaceholders } from '../../../connectors/file/path-template.js';

describe('path templates', () => {
  test('renders topic, partition and UTC date parts of the record timestamp', () => {
    const t = compilePathTemplate('/data/{topic}/{year}/{month}/{day}/{hour}/{date}-p{partition}.log');
    expect(t.render('orders', 3, Date.UTC(2024, 0, 31, 14, 59))).toBe('/data/orders/2024/01/31/14/2024-01-31-p3.log');
    expect(t.bucketMs).toBe(3_600_000);
    expect(compilePathTemplate('/x/{date}').bucketMs).toBe(86_400_000);
    expect(compilePathTemplate('/x/{topic}').usesTime).toBe(false);
  });

  test('unknown placeholders are listed for validation', () => {
    expect(unknownPlaceholders('/x/{topic}/{week}/{}')).toEqual(['{week}', '{}']);
  });
});
