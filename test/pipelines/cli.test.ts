import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { cliSession, output, waitFor } from '../cli/cli-helpers.js';

const GOOD = `name: orders
topics:
  orders: { partitions: 2 }
  paid: {}
streams:
  - from: orders
    steps:
      - filter: status = "paid"
    to: paid
sinks:
  - name: paid-out
    connector: file-sink
    topics: paid
    file.path: \${OUT_DIR:-/tmp}/paid.jsonl
`;

const BAD = `name: orders
topics:
  orders: { partitions: two }
streams:
  - from: order
    steps:
      - filter: status =
      - mapp: x
    to: paid
sinks:
  - name: paid-out
    connector: file-snk
    topics: paid
    file.path: \${OUT_DIR}/paid.jsonl
`;

describe('sluice validate / schema', () => {
  it('validate prints a one-line summary and exits 0 for a good file', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const file = path.join(cli.tempDir(), 'orders.yaml');
    fs.writeFileSync(file, GOOD);
    const r = await cli.run(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${file}: OK — pipeline orders: 2 topics, 0 sources, 1 stream (1 step), 1 sink\n`);
    expect(r.code).toBe(0);
  });

  it('validate lists every problem with file:line:column and exits 2', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const file = path.join(cli.tempDir(), 'orders.yaml');
    fs.writeFileSync(file, BAD);
    const r = await cli.run(['validate', file], { env: { OUT_DIR: undefined } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `${file}:3:25: topics.orders.partitions: must be an integer, got the string "two"`,
      `${file}:5:11: streams[0].from: missing topic "order": it is neither declared under topics nor written by a source (did you mean "orders"?)`,
      `${file}:7:24: streams[0].steps[0].filter: invalid JSONata expression: Unexpected end of expression`,
      `${file}:8:9: streams[0].steps[1].mapp: unknown step "mapp" (did you mean "map"?)`,
      `${file}:9:9: streams[0].to: missing topic "paid": it is neither declared under topics nor written by a source`,
      expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12:16: sinks\\[0\\]\\.connector: unknown connector type "file-snk" \\(did you mean "file-sink"\\?\\)`)),
      `${file}:13:13: sinks[0].topics: missing topic "paid": it is neither declared under topics nor written by a source`,
      `${file}:14:16: sinks[0]['file.path']: environment variable OUT_DIR is not set (set it, or give a default: \${OUT_DIR:-value})`,
      `sluice: 8 problems in ${file}`,
      '',
    ]);
  });

  it('validate says when the file does not exist (exit 2)', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const r = await cli.run(['validate', path.join(cli.tempDir(), 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sluice: no pipeline file .*nope\.yaml\n$/);
  });

  it('run refuses an invalid file before starting anything (exit 2)', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const file = path.join(dir, 'orders.yaml');
    fs.writeFileSync(file, BAD);
    const r = await cli.run(['--data-dir', path.join(dir, 'data'), 'run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^.*orders\.yaml:3:25: topics\.orders\.partitions: must be an integer/);
    expect(r.stderr).toMatch(/sluice: 8 problems in .*orders\.yaml; nothing was started\n$/);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('schema prints a JSON Schema that ajv compiles', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const r = await cli.run(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$id).toBe('https://sluice.dev/schemas/pipeline.json');
    const ajv = new Ajv({ strict: false, discriminator: true });
    const validate = ajv.compile(schema);
    expect(validate({ topics: { a: {} }, streams: [{ from: 'a', steps: [{ key: 'id' }], to: 'a' }] })).toBe(true);
  });

  it('run --until-idle runs a batch job, prints where the output went and exits 0', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'orders.jsonl'), ['{"id":1,"status":"paid"}', '{"id":2,"status":"open"}', '{"id":3,"status":"paid"}', ''].join('\n'));
    const file = path.join(dir, 'job.yaml');
    fs.writeFileSync(file, RUN);
    const r = await cli.run(['run', '--until-idle', '--idle-ms', '300', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pipeline job: 3 records in, 2 out, [0-9.]+ s \\(drained; [0-9.]+ s working: from [0-9.]+ s to the last record at [0-9.]+ s\\)\n  source orders-in: 3 records → topic orders\n  streams: 3 records processed, 2 written\n  sink paid-out: 2 records → ${dir}/out/paid.jsonl\n$`));
    expect(fs.readFileSync(path.join(dir, 'out', 'paid.jsonl'), 'utf8')).toBe('{"id":1,"status":"paid"}\n{"id":3,"status":"paid"}\n');
  });

  it('run stops gracefully on SIGINT and exits 0', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'orders.jsonl'), '{"id":1,"status":"paid"}\n');
    const file = path.join(dir, 'job.yaml');
    fs.writeFileSync(file, RUN);
    const child = cli.start(['run', file]);
    const done = output(child);
    child.stdin.end();
    await waitFor(() => fs.existsSync(path.join(dir, 'out', 'paid.jsonl')) && fs.readFileSync(path.join(dir, 'out', 'paid.jsonl'), 'utf8').length > 0);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pipeline job: 1 record in, 1 out, [0-9.]+ s \([0-9.]+ s working: from [0-9.]+ s to the last record at [0-9.]+ s\)\n/);
  });

  it('run exits 1 with one line when a step fails on a record', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'orders.jsonl'), '{"id":1,"status":"paid"}\n');
    const file = path.join(dir, 'job.yaml');
    fs.writeFileSync(file, RUN.replace('- filter: status = "paid"', '- timestamp: status'));
    const r = await cli.run(['run', '--until-idle', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^sluice: .*stream "paid", step 1 \\(timestamp\\) at ${file}:17:9, record orders-\\d+@\\d+: the timestamp must be milliseconds since the epoch or an ISO 8601 date, got "paid".*\n$`));
  });
});

const RUN = `name: job
engine: { data_dir: "\${PIPELINE_DIR}/data" }
topics:
  orders: {}
  paid: {}
sources:
  - name: orders-in
    connector: file-source
    topic: orders
    file.path: \${PIPELINE_DIR}/in/*.jsonl
    value.converter: json
    file.format: json
streams:
  - name: paid
    from: orders
    steps:
      - filter: status = "paid"
    to: paid
sinks:
  - name: paid-out
    connector: file-sink
    topics: paid
    file.path: \${PIPELINE_DIR}/out/paid.jsonl
    value.converter: json
`;
