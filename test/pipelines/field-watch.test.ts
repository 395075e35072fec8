/** A field that a step's expression reads but no record has (a typo) is reported, not silently empty. */
import fs from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { compileExpression } from '../../pipelines/index.js';
import { FIELD_MISSING_CHANNEL, topLevelFields, watchFields, type FieldMissingEvent } from '../../pipelines/field-watch.js';
import { cliSession } from '../cli/cli-helpers.js';

function listen(): FieldMissingEvent[] {
  const events: FieldMissingEvent[] = [];
  const on = (e: unknown): void => void events.push(e as FieldMissingEvent);
  subscribe(FIELD_MISSING_CHANNEL, on);
  onTestFinished(() => void unsubscribe(FIELD_MISSING_CHANNEL, on));
  return events;
}

const record = (value: unknown) => ({ key: null, value });

describe('topLevelFields', () => {
  it('takes the first step of each path, not variables, later steps, predicates or lambda parameters', () => {
    expect(topLevelFields('stauts >= 500')).toEqual(['stauts']);
    expect(topLevelFields('a.b = $x.c and d[e = 1] and $map(items, function($i) { $i.price })').sort()).toEqual(['a', 'd', 'items']);
    expect(topLevelFields('$key = "k"')).toEqual([]);
  });
});

describe('watchFields', () => {
  it('reports once, after the sample, the fields no record had, with the nearest field seen', async () => {
    const events = listen();
    const e = watchFields('stream "s", step 1 (filter) at p.yaml:9:9', compileExpression('stauts >= 500 and method = "GET"'), 3);
    for (let i = 0; i < 5; i++) await e.evaluate(record({ status: 500, method: 'GET' }));
    expect(events).toEqual([
      {
        step: 'stream "s", step 1 (filter) at p.yaml:9:9',
        expression: 'stauts >= 500 and method = "GET"',
        fields: ['stauts'],
        sampleSize: 3,
        message: 'stream "s", step 1 (filter) at p.yaml:9:9: none of the first 3 records has the field "stauts" (did you mean "status"?) that "stauts >= 500 and method = \\"GET\\"" reads',
      },
    ]);
  });

  it('says nothing when some record of the sample has the field', async () => {
    const events = listen();
    const e = watchFields('step', compileExpression('retry_after > 0'), 3);
    await e.evaluate(record({ status: 200 }));
    await e.evaluate(record({ status: 429, retry_after: 5 }));
    for (let i = 0; i < 3; i++) await e.evaluate(record({ status: 200 }));
    expect(events).toEqual([]);
  });
});

describe('sluice run and a misspelled field', () => {
  it('warns on stderr while the run still succeeds', async ({ onTestFinished: finished }) => {
    const cli = cliSession(finished);
    const dir = cli.tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'requests.jsonl'), Array.from({ length: 120 }, (_, i) => `{"status":${[200, 404, 503][i % 3]}}\n`).join(''));
    const file = path.join(dir, 'errors.yaml');
    fs.writeFileSync(
      file,
      [
        'name: errors',
        'engine: { in_memory: true }',
        'topics: { errors: {} }',
        'sources:',
        '  - { name: requests-in, connector: file-source, topic: requests, file.format: json, value.converter: json, file.path: "' + path.join(dir, 'in', '*.jsonl') + '" }',
        'streams:',
        '  - from: requests',
        '    steps:',
        '      - filter: stauts >= 500',
        '    to: errors',
        '',
      ].join('\n'),
    );
    const r = await cli.run(['run', '--until-idle', '--idle-ms', '200', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('none of the first 100 records has the field "stauts" (did you mean "status"?) that "stauts >= 500" reads');
  });
});
