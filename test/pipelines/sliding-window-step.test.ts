/**
 * Pipeline files: sliding windows (`window: { sliding: … }`) and `suppress` on aggregate steps —
 * the docs' snippets (docs/pipeline-files.md) run and give the outputs the docs state, and bad
 * input is reported with its line.
 */
import fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTopology } from '../../pipelines/build-topology.js';
import { TopologyTestDriver } from '../../streams/index.js';
import { BASE, problemsOf, valid } from './helpers.js';

/** The ```yaml block right after `heading` in docs/pipeline-files.md, as a step of a pipeline on `in` → `out`. */
function docsStep(heading: string): string {
  const doc = fs.readFileSync(new URL('../../docs/pipeline-files.md', import.meta.url), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(heading)))![1];
  return `topics:\n  in: {}\n  out: {}\nstreams:\n  - from: in\n    steps:\n${block.replace(/^/gm, '      ').trimEnd()}\n    to: out\n`;
}

async function drive(text: string) {
  const pipeline = valid(text);
  const driver = new TopologyTestDriver((await buildTopology(pipeline))!, { applicationId: pipeline.name });
  onTestFinished(() => driver.close());
  return { driver, input: driver.createInputTopic('in'), output: driver.createOutputTopic('out') };
}

describe('aggregate with sliding windows', () => {
  it("the docs' example: logins at 12:00:00, :05 and :12 give the windows and counts the docs list, each with its newest record's time", async () => {
    const { input, output } = await drive(docsStep('### aggregate with sliding windows'));
    const t0 = Date.parse('2026-12-06T12:00:00Z');
    for (const s of [0, 5, 12]) await input.pipeInput('ada', { user: 'ada' }, t0 + s * 1000);
    const last = new Map<string, [number, number]>();
    for (const r of output.readRecordsToList()) {
      const v = r.value as { logins: number; window: { start: number; end: number } };
      expect(r.key).toBe('ada');
      last.set(`${v.window.start - t0},${v.window.end - t0}`, [v.logins, r.timestamp - t0]);
    }
    expect(last).toEqual(
      new Map([
        ['-10000,0', [1, 0]],
        ['-5000,5000', [2, 5000]],
        ['1,10001', [1, 5000]],
        ['2000,12000', [2, 12000]],
        ['5001,15001', [1, 12000]],
      ]),
    );
  });

  it('closes sliding windows on window close, and routes late records', async () => {
    const { driver, input, output } = await drive(`topics:\n  in: {}\n  out: {}\n  late: {}\nstreams:\n  - from: in\n    steps:\n      - aggregate: { window: { sliding: 10s }, emit: on_window_close, late_topic: late, fields: { n: count } }\n    to: out\n`);
    for (const s of [0, 5, 30]) await input.pipeInput('k', { x: 1 }, 100_000 + s * 1000);
    await input.pipeInput('k', { x: 1 }, 100_000); // 100s + 10s < 130s: late
    expect(output.readValuesToList()).toEqual([
      { n: 1, window: { start: 90_000, end: 100_000 } },
      { n: 2, window: { start: 95_000, end: 105_000 } },
      { n: 1, window: { start: 100_001, end: 110_001 } },
    ]);
    expect(driver.createOutputTopic('late').readValuesToList()).toEqual([{ x: 1 }]);
  });
});

describe('aggregate with suppress', () => {
  it("the docs' example: the latest count per group, a time limit after its first held update", async () => {
    const { driver, input, output } = await drive(docsStep('### suppress — rate-limited updates'));
    await input.pipeInput('c1', { id: 1 }, 0);
    await input.pipeInput('c1', { id: 2 }, 30_000);
    await input.pipeInput('c2', { id: 3 }, 40_000);
    expect(output.readKeyValuesToList()).toEqual([]);
    await input.pipeInput('c3', { id: 4 }, 60_000); // c1 held since 0: due
    expect(output.readKeyValuesToList()).toEqual([{ key: 'c1', value: { orders: 2 } }]);
    await input.pipeInput('c3', { id: 5 }, 100_000); // c2 held since 40s
    expect(output.readKeyValuesToList()).toEqual([{ key: 'c2', value: { orders: 1 } }]);
    // The end of a batch run (--until-idle closes windows): what is still held is emitted.
    expect(await driver.closeWindows()).toBe(1);
    expect(output.readKeyValuesToList()).toEqual([{ key: 'c3', value: { orders: 2 } }]);
  });
});

describe('problems, with their lines', () => {
  const agg = (spec: string): string => BASE.replace('- filter: total > 0', `- aggregate: ${spec}`);

  it('a sliding window needs a time difference above 0, and is one kind of window', () => {
    const zero = problemsOf(agg('{ window: { sliding: 0 }, fields: { n: count } }'));
    expect(zero.map((p) => [p.line, p.displayPath, p.message])).toEqual([[8, 'streams[0].steps[0].aggregate.window.sliding', 'a sliding window time difference must be more than 0']]);
    expect(problemsOf(agg('{ window: { sliding: 1m, tumbling: 1m }, fields: { n: count } }'))[0].message).toBe('a window is one of tumbling, hopping, sliding or session, not tumbling and sliding');
    expect(problemsOf(agg('{ window: { sliding: 1m, advance: 5s }, fields: { n: count } }'))[0].message).toBe('advance goes with hopping windows (sliding windows have none)');
  });

  it('suppress needs a time limit, and does not go with emit: on_window_close', () => {
    const missing = problemsOf(agg('{ suppress: { max_records: 5 }, fields: { n: count } }'));
    expect(missing.map((p) => [p.line, p.displayPath])).toEqual([[8, 'streams[0].steps[0].aggregate.suppress']]);
    expect(missing[0].message).toMatch(/time_limit/);
    const both = problemsOf(agg('{ window: { tumbling: 1m }, emit: on_window_close, suppress: { time_limit: 1m }, fields: { n: count } }'));
    expect(both.map((p) => [p.line, p.message])).toEqual([[8, 'emit: on_window_close already emits one record per window; remove suppress, or emit on_update']]);
  });
});
