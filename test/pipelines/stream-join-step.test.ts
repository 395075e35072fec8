/** The pipeline `join` step with `stream` and `within`: a stream-stream join, and its mistakes at their lines. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { TopologyTestDriver } from '../../streams/index.js';
import { buildTopology } from '../../pipelines/build-topology.js';
import { BASE, problemsOf, valid } from './helpers.js';

const TOPICS = `topics:
  orders: {}
  payments: {}
  out: {}
  other: {}
`;

async function drive(text: string) {
  const pipeline = valid(text, { file: 'p.yaml' });
  const driver = new TopologyTestDriver((await buildTopology(pipeline))!, { applicationId: pipeline.name });
  onTestFinished(() => driver.close());
  return driver;
}

describe('pipeline join step with another stream (stream-stream join)', () => {
  it('joins records of both streams with the key within the window; a left join emits the unmatched once its window closed', async () => {
    const driver = await drive(`${TOPICS}streams:
  - from: orders
    steps:
      - join: { stream: payments, within: 10s, as: payment }
    to: out
  - from: orders
    steps:
      - join: { stream: payments, within: 10s, kind: left, value: '{ "order": id, "paid": $table ? $table.amount : 0 }' }
    to: other
`);
    const orders = driver.createInputTopic('orders');
    const payments = driver.createInputTopic('payments');
    await orders.pipeInput('o1', { id: 1 }, 1_000);
    await orders.pipeInput('o2', { id: 2 }, 2_000);
    await payments.pipeInput('o1', { amount: 5 }, 8_000);
    await payments.pipeInput('o9', { amount: 1 }, 30_000); // stream time 30 s closes o2's window (2 s + 10 s)
    expect(driver.createOutputTopic('out').readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['o1', { id: 1, payment: { amount: 5 } }, 8_000]]);
    expect(driver.createOutputTopic('other').readKeyValuesToList()).toEqual([
      { key: 'o1', value: { order: 1, paid: 5 } },
      { key: 'o2', value: { order: 2, paid: 0 } },
    ]);
  });

  it('an outer join keeps unmatched records of both sides', async () => {
    const driver = await drive(`${TOPICS}streams:
  - from: orders
    steps:
      - join: { stream: payments, within: 1s, grace: 1s, kind: outer, as: payment }
    to: out
`);
    await driver.createInputTopic('orders').pipeInput('a', { id: 1 }, 0);
    await driver.createInputTopic('payments').pipeInput('b', { amount: 2 }, 100);
    await driver.createInputTopic('payments').pipeInput('z', { amount: 0 }, 5_000);
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([
      { key: 'a', value: { id: 1, payment: null } },
      { key: 'b', value: { value: null, payment: { amount: 2 } } },
    ]);
  });

  it('mistakes are reported at their line: no window, table and stream both, outer with a table, within with a table', () => {
    const withJoin = (join: string) => BASE.replace('  out: {}', '  out: {}\n  payments: { partitions: 2 }').replace('- filter: total > 0', `- join: ${join}`);
    const noWindow = problemsOf(withJoin('{ stream: payments }'));
    expect(noWindow.map((p) => [p.line, p.message])).toEqual([[9, 'a stream-stream join needs a window: add within: <duration> (records of "payments" at most that far apart in time join)']]);
    expect(problemsOf(withJoin('{ stream: payments, table: payments, within: 1s }')).map((p) => p.message)).toContain(
      'give "table" (a stream-table join) or "stream" with "within" (a stream-stream join), not both',
    );
    const outer = problemsOf(withJoin('{ table: payments, kind: outer }'));
    expect(outer.map((p) => [p.line, p.displayPath, p.message])).toEqual([[9, 'streams[0].steps[0].join.kind', 'outer joins are stream-stream joins: join with stream: <topic> and within: <duration>']]);
    expect(problemsOf(withJoin('{ table: payments, within: 1s }')).map((p) => p.message)).toEqual(['within goes with a stream-stream join (stream: <topic>); a table join has no window']);
    expect(problemsOf(withJoin('{ as: x }')).map((p) => p.message)).toEqual(['a join needs "table" (a topic read as a table) or "stream" with "within" (another stream and a time window)']);
  });

  it('the streams must be co-partitioned unless the key was set before the join', () => {
    const text = BASE.replace('  out: {}', '  out: {}\n  payments: { partitions: 3 }').replace('- filter: total > 0', '- join: { stream: payments, within: 1m }');
    expect(problemsOf(text)[0].message).toMatch(/^"orders" \(2 partitions\) and the stream "payments" \(3\) are not co-partitioned/);
    valid(text.replace('- join: { stream', '- key: customer\n      - join: { stream'));
  });
});

describe('docs/pipeline-files.md, join with another stream', () => {
  it("the section's example step is valid and joins as it says", async () => {
    const fs = await import('node:fs');
    const text = fs.readFileSync(new URL('../../docs/pipeline-files.md', import.meta.url), 'utf8');
    const section = text.slice(text.indexOf('With `stream` and `within` instead of `table`'));
    const step = /```yaml\n([\s\S]*?)```/.exec(section)![1].trim();
    expect(step).toMatch(/^- join: \{ stream: payments/);
    const driver = await drive(`${TOPICS}streams:\n  - from: orders\n    steps:\n      ${step}\n    to: out\n`);
    await driver.createInputTopic('orders').pipeInput('o1', { id: 1 }, 0);
    await driver.createInputTopic('payments').pipeInput('o1', { amount: 3 }, 600_000); // exactly 10 minutes later: inside
    await driver.createInputTopic('orders').pipeInput('o2', { id: 2 }, 600_000);
    await driver.createInputTopic('orders').pipeInput('z', { id: 0 }, 1_260_001); // past o2's 10 min window + 1 min grace
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([
      { key: 'o1', value: { id: 1, payment: { amount: 3 } } },
      { key: 'o2', value: { id: 2, payment: null } },
    ]);
  });
});
