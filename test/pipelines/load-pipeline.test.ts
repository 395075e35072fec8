import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatProblem, loadPipeline, PipelineError } from '../../pipelines/index.js';
import { BASE, problemsOf, valid } from './helpers.js';

describe('pipeline file mistakes (one class per test: file, line, column, problem)', () => {
  it('a YAML syntax error reports the parser\'s line and column', () => {
    const problems = problemsOf('name: test\ntopics:\n  orders: { partitions: 2\nstreams: []\n', { file: 'bad.yaml' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'bad.yaml', line: 4, column: 1 });
    expect(problems[0].message).toMatch(/^YAML syntax error: Flow map in block collection must be sufficiently indented and end with a \}/);
    expect(formatProblem(problems[0])).toMatch(/^bad\.yaml:4:1: YAML syntax error/);
  });

  it('a YAML !!binary value (or another non-JSON tag) is one clear problem at its line', () => {
    const problems = problemsOf(BASE.replace('orders: { partitions: 2 }', 'orders: { partitions: 2, config: { compression.type: !!binary aGVsbG8= } }'), { file: 'bin.yaml' });
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0])).toBe(
      'bin.yaml:3:56: YAML tag !!binary is not supported: values are text, numbers, booleans, null, lists and maps (remove the tag; binary data can be written as base64 text)',
    );
  });

  it('a connector config given as a pipeline is one problem saying what it looks like', () => {
    const problems = problemsOf('name: logs\nconnector: file-source\ntopic: lines\nfile.path: /var/log/*.log\n', { file: 'logs.yaml' });
    expect(problems.map(formatProblem)).toEqual([
      'logs.yaml:2:1: connector: this looks like a connector config (connector: file-source), not a pipeline file: check it with "sluice connect --validate logs.yaml", run it with "sluice connect logs.yaml", or put it in a pipeline under sources: or sinks:',
    ]);
  });

  it('an unknown step names the step, with a suggestion', () => {
    const problems = problemsOf(BASE.replace('- filter: total > 0', '- filtr: total > 0'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 8, column: 9, displayPath: 'streams[0].steps[0].filtr', message: 'unknown step "filtr" (did you mean "filter"?)' }),
    ]);
  });

  it('an unknown step far from any known one lists the step types', () => {
    const [p] = problemsOf(BASE.replace('- filter: total > 0', '- frobnicate: x'));
    expect(p.message).toBe('unknown step "frobnicate" (expected a step type: filter, map, flat_map, key, timestamp, aggregate, join, branch, custom)');
  });

  it('a bad expression points at the character where JSONata failed', () => {
    const problems = problemsOf(BASE.replace('- filter: total > 0', '- filter: total > 0 and'));
    expect(problems).toHaveLength(1);
    // "      - filter: total > 0 and": the expression starts at column 17; "and" ends at column 29.
    expect(problems[0]).toMatchObject({ file: 'p.yaml', line: 8, column: 29, displayPath: 'streams[0].steps[0].filter' });
    expect(problems[0].message).toBe('invalid JSONata expression: Unexpected end of expression');
  });

  it('a bad expression in a quoted scalar and in a literal block is located too', () => {
    const quoted = problemsOf(BASE.replace('- filter: total > 0', `- map: '$merge([$, { "a": 1 }]'`));
    expect(quoted[0]).toMatchObject({ line: 8, column: 36 });
    expect(quoted[0].message).toMatch(/Expected "\)"/);
    const block = problemsOf(BASE.replace('- filter: total > 0', '- map: |\n          {\n            "a": 1 +\n          }'));
    expect(block[0]).toMatchObject({ line: 11, column: 11 }); // the "}" after the dangling +
  });

  it('a wrong type says what was expected and what was found', () => {
    const problems = problemsOf(BASE.replace('orders: { partitions: 2 }', 'orders: { partitions: two }'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, column: 25, displayPath: 'topics.orders.partitions', message: 'must be an integer, got the string "two"' }),
    ]);
  });

  it('a step of the wrong type (a forgotten colon) explains the step shape', () => {
    const [p] = problemsOf(BASE.replace('- filter: total > 0', '- filter'));
    expect(p).toMatchObject({ line: 8, column: 9 });
    expect(p.message).toMatch(/^a step is an object with one field, the step type, such as \{ filter: <expression> \}; got the string "filter"/);
  });

  it('a missing topic names the topic and suggests a declared one', () => {
    const problems = problemsOf(BASE.replace('- from: orders', '- from: order'));
    expect(problems).toEqual([
      expect.objectContaining({
        line: 6,
        column: 11,
        displayPath: 'streams[0].from',
        message: 'missing topic "order": it is neither declared under topics nor written by a source (did you mean "orders"?)',
      }),
    ]);
  });

  it('topics written by a source need no declaration; sinks and joins must use existing topics', () => {
    const text = `topics:
  out: {}
sources:
  - { name: in, connector: file-source, topic: lines, file.path: /tmp/x }
streams:
  - from: lines
    steps:
      - join: { table: customers }
    to: out
sinks:
  - { name: o, connector: file-sink, topics: [out, outt], file.path: /tmp/y }
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '8:24 missing topic "customers": it is neither declared under topics nor written by a source',
      '11:52 missing topic "outt": it is neither declared under topics nor written by a source (did you mean "out"?)',
    ]);
  });

  it('an unset variable names the variable and its line and column', () => {
    const problems = problemsOf(`${BASE}engine:\n  data_dir: /data/\${SLUICE_TEST_UNSET}/x\n`);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 11,
        column: 19,
        displayPath: 'engine.data_dir',
        message: 'environment variable SLUICE_TEST_UNSET is not set (set it, or give a default: ${SLUICE_TEST_UNSET:-value})',
      }),
    ]);
  });

  it('an unknown connector type names it, with a suggestion', () => {
    const problems = problemsOf(`${BASE}sinks:\n  - name: out\n    connector: fil-sink\n    topics: out\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 12, column: 16, displayPath: 'sinks[0].connector' });
    expect(problems[0].message).toBe('unknown connector type "fil-sink" (did you mean "file-sink"?)');
  });

  it('connector entries are validated as standalone connector configs', () => {
    const problems = problemsOf(`${BASE}sinks:\n  - name: out\n    connector: file-sink\n    topics: out\n    file.pth: /tmp/x\n`);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.displayPath}: ${p.message}`)).toEqual([
      "11:5 sinks[0]['file.path']: is required but missing",
      "14:5 sinks[0]['file.pth']: unknown field \"file.pth\" (did you mean \"file.path\"?)",
    ]);
  });

  it('a connector in the wrong list, and a name used twice, are reported', () => {
    const text = `${BASE}sources:\n  - { name: out, connector: file-sink, topics: out, file.path: /tmp/x }\nsinks:\n  - { name: out, connector: file-sink, topics: out, file.path: /tmp/y }\n`;
    expect(problemsOf(text).map((p) => p.message)).toEqual([
      '"file-sink" is a sink connector: list it under sinks, not sources',
      'another connector is already named "out" (sources[0])',
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const text = `name: bad name
topics:
  orders: { partitions: 0 }
streams:
  - from: order
    steps:
      - filter: total >
      - key: customer.id
      - aggregate:
          window: { tumbling: 5 minutes }
          fields: { n: cnt }
    to: out
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.displayPath])).toEqual([
      [1, 'name'],
      [3, 'topics.orders.partitions'],
      [5, 'streams[0].from'],
      [7, 'streams[0].steps[0].filter'],
      [10, 'streams[0].steps[2].aggregate.window.tumbling'],
      [11, 'streams[0].steps[2].aggregate.fields.n'],
      [12, 'streams[0].to'],
    ]);
    expect(problems[4].message).toMatch(/must be a duration such as 500ms, 30s, 5m/);
  });
});

describe('semantic checks', () => {
  it('a window must have exactly one kind, and hopping needs advance', () => {
    const agg = (window: string): string => BASE.replace('- filter: total > 0', `- aggregate: { window: ${window}, fields: { n: count } }`);
    expect(problemsOf(agg('{ grace: 1m }'))[0].message).toMatch(/^a window needs its kind and size/);
    expect(problemsOf(agg('{ tumbling: 1m, session: 5m }'))[0].message).toBe('a window is one of tumbling, hopping, sliding or session, not tumbling and session');
    expect(problemsOf(agg('{ hopping: 10m }'))[0].message).toMatch(/^a hopping window needs advance/);
    expect(problemsOf(agg('{ hopping: 1m, advance: 5m }'))[0].message).toMatch(/^advance must be more than 0 and at most the window size/);
    expect(problemsOf(agg('{ tumbling: 1m, advance: 5m }'))[0].message).toBe('advance goes with hopping windows (tumbling windows have none)');
  });

  it('emit on_window_close and late_topic need a window', () => {
    const text = BASE.replace('- filter: total > 0', '- aggregate: { emit: on_window_close, late_topic: out, fields: { n: count } }');
    expect(problemsOf(text).map((p) => p.message)).toEqual([
      'on_window_close needs a window: add window: { tumbling: 5m } (or hopping, session)',
      'late records exist only with a window: add one, or remove late_topic',
    ]);
  });

  it('a branch must be last, replaces to, and only its last route may omit when', () => {
    const text = BASE.replace('- filter: total > 0', '- branch:\n          - to: out\n          - when: x\n            to: out\n      - filter: y');
    expect(problemsOf(text).map((p) => p.message)).toEqual([
      'only the last route may leave out "when" (it takes every record the routes before did not)',
      'steps after a branch never run: branch must be the last step of its stream (read its topics in another stream)',
    ]);
    const withTo = BASE.replace('- filter: total > 0', '- branch: [{ when: x, to: out }]');
    expect(problemsOf(withTo).map((p) => p.message)).toEqual(['this stream ends with a branch, which writes to the topics of its routes: remove "to"']);
    expect(problemsOf(BASE.replace('    to: out\n', ''))[0].message).toBe('stream "stream-1" writes nowhere: add "to: <topic>" (or end it with a branch step)');
  });

  it('a join needs co-partitioned topics unless the key was set before it', () => {
    const text = BASE.replace('  out: {}', '  out: {}\n  customers: { partitions: 3 }').replace('- filter: total > 0', '- join: { table: customers }');
    expect(problemsOf(text)[0].message).toMatch(/^"orders" \(2 partitions\) and the table "customers" \(3\) are not co-partitioned/);
    valid(text.replace('- join: { table: customers }', '- key: customer\n      - join: { table: customers }'));
  });

  it('a topic is read as a stream or as a table, not both', () => {
    const text = BASE.replace('  out: {}', '  out: {}\n  customers: { partitions: 2 }').replace('- filter: total > 0', '- join: { table: customers }') + '  - from: customers\n    to: out\n';
    const [p] = problemsOf(text);
    expect(p).toMatchObject({ line: 9, column: 24, displayPath: 'streams[0].steps[0].join.table' });
    expect(p.message).toMatch(/^"customers" is read as a stream \(by stream "stream-2"\) and as a table here/);
  });

  it('a custom module must exist (relative to the pipeline file)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pipeline-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'step.js'), 'export default (r) => r;\n');
    const text = (module: string): string => BASE.replace('- filter: total > 0', `- custom: { module: ${module} }`);
    const pipeline = valid(text('./step.js'), { file: path.join(dir, 'p.yaml') });
    expect(pipeline.streams[0].steps[0]).toMatchObject({ type: 'custom', module: path.join(dir, 'step.js'), exportName: 'default', receives: 'record' });
    const [p] = problemsOf(text('./nope.js'), { file: path.join(dir, 'p.yaml') });
    expect(p.message).toBe(`module not found: ${path.join(dir, 'nope.js')} (paths are relative to the pipeline file)`);
  });

  it('topic config values are checked by the engine\'s rules', () => {
    const text = BASE.replace('orders: { partitions: 2 }', 'orders: { partitions: 2, config: { segment.bytes: 10, retention.ms: 1d } }');
    const [p] = problemsOf(text);
    expect(p).toMatchObject({ displayPath: "topics.orders.config['segment.bytes']", message: 'must be an integer ≥ 1024 and ≤ 2147483647, got 10' });
  });

  it('the same store name used twice is reported', () => {
    const text = BASE.replace('- filter: total > 0', '- aggregate: { store: s, fields: { n: count } }\n    to: out\n  - from: orders\n    steps:\n      - aggregate: { store: s, fields: { n: count } }');
    expect(problemsOf(text)[0].message).toMatch(/^another aggregate already uses the store "s"/);
  });

  it('an empty file, and a pipeline without anything to do, are problems', () => {
    expect(problemsOf('# nothing\n')[0].message).toMatch(/^the file is empty/);
    expect(problemsOf('name: x\n')[0].message).toBe('the pipeline does nothing: add sources, streams or sinks');
  });
});

describe('loadPipeline', () => {
  it('builds the typed pipeline: defaults, durations, compiled expressions', async () => {
    const text = `topics:
  orders: { partitions: 4, config: { retention.ms: 2d, cleanup.policy: compact } }
  out:
streams:
  - from: [orders]
    steps:
      - filter: status = "paid"
      - map: { key: customer, value: '{ "total": price * qty }' }
      - aggregate:
          window: { hopping: 10m, advance: 1m, grace: 30s }
          fields: { n: count, revenue: { sum: total } }
    to: out
`;
    const p = valid(text, { file: '/srv/jobs/orders-etl.yaml' });
    expect(p.name).toBe('orders-etl');
    expect(p.engine).toEqual({ dataDir: undefined, inMemory: false });
    expect(p.topics.get('orders')).toMatchObject({ partitions: 4, config: { 'retention.ms': 172_800_000, 'cleanup.policy': 'compact' }, keyFormat: 'string', valueFormat: 'json' });
    expect(p.topics.get('out')).toMatchObject({ partitions: 1 });
    const [s] = p.streams;
    expect(s).toMatchObject({ name: 'stream-1', from: ['orders'], to: ['out'] });
    expect(s.steps.map((x) => x.type)).toEqual(['filter', 'map', 'aggregate']);
    const agg = s.steps[2];
    expect(agg).toMatchObject({ type: 'aggregate', store: 'stream-1-3', emit: 'on_update', window: { kind: 'hopping', sizeMs: 600_000, advanceMs: 60_000, graceMs: 30_000 } });
    expect(agg.at).toEqual({ file: '/srv/jobs/orders-etl.yaml', line: 9, column: 9 });
    const filter = s.steps[0];
    if (filter.type !== 'filter') throw new Error('expected a filter');
    expect(await filter.expression.evaluate({ key: 'k', value: { status: 'paid' } })).toBe(true);
  });

  it('reads JSON files with line numbers too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pipeline-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, JSON.stringify({ topics: { orders: {}, out: {} }, streams: [{ from: 'orders', steps: [{ filter: 'a >' }], to: 'out' }] }, null, 2));
    const error = await loadPipeline(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).problems).toEqual([expect.objectContaining({ file, line: 11, column: 24, message: 'invalid JSONata expression: Unexpected end of expression' })]);
    expect((error as PipelineError).message).toBe(`invalid pipeline ${file}, 1 problem:\n${file}:11:24: streams[0].steps[0].filter: invalid JSONata expression: Unexpected end of expression`);
  });

  it('validates the complete example of docs/pipeline-files.md', () => {
    const doc = fs.readFileSync(new URL('../../docs/pipeline-files.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const p = valid(example, { file: 'orders.yaml' });
    expect(p.streams.map((s) => s.name)).toEqual(['totals', 'big-orders']);
  });
});
