import { describe, expect, it } from 'vitest';
import { SkippedRecords } from '../../../connectors/runtime/skipped-records.js';

describe('SkippedRecords', () => {
  it('warns once per reason with the count of the batch it first appeared in; at most 10 lines a batch', () => {
    const lines: string[] = [];
    const skipped = new SkippedRecords((m) => lines.push(m));
    for (let i = 0; i < 700; i++) skipped.add('TASK_PUT', 'jetstream-sink', new Error('maximum messages exceeded'));
    skipped.add('VALUE_CONVERTER', 'json', new Error('not valid JSON'));
    skipped.flush();
    expect(lines).toEqual([
      '700 records skipped (errors.tolerance=all, no errors.deadletterqueue.topic.name; further ones are only counted): TASK_PUT (jetstream-sink): maximum messages exceeded',
      '1 record skipped (errors.tolerance=all, no errors.deadletterqueue.topic.name; further ones are only counted): VALUE_CONVERTER (json): not valid JSON',
    ]);
    skipped.add('TASK_PUT', 'jetstream-sink', new Error('maximum messages exceeded'));
    skipped.flush();
    expect(lines).toHaveLength(2);
    for (let i = 0; i < 15; i++) skipped.add('TRANSFORMATION', 'filter', new Error(`bad id ${i}`));
    skipped.flush();
    expect(lines).toHaveLength(2 + 11);
    expect(lines.at(-1)).toBe('5 more records skipped for 5 other reasons');
  });
});
