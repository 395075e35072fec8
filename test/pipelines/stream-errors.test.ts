/**
 * A stream's `errors.tolerance` and dead-letter topic: one record a step fails on among good ones.
 * With `none` the run fails with a StepRecordError naming the step, the expression and the record;
 * with `all` the other records reach the sink, run after run, and the failed one lands in the
 * dead-letter topic with Kafka Connect's `__connect.errors.*` headers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createConsumer, openCluster, type ConsumerRecord } from '../../core/index.js';
import { StepRecordError } from '../../pipelines/errors.js';
import { runPipeline } from '../../pipelines/run-pipeline.js';
import { pipelineTestEngine } from '../test-engine.js';
import { problemsOf, valid } from './helpers.js';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-step-errors-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const BAD_AT = 7;

/** 20 lines `{"n": i}`, the one at BAD_AT with a string that `n * 2` cannot multiply. */
function writeInput(dir: string): void {
  fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ n: i === BAD_AT ? 'seven' : i }));
  fs.writeFileSync(path.join(dir, 'in', 'numbers.jsonl'), lines.join('\n') + '\n');
}

/** numbers.jsonl → numbers → filter, map `{ "d": n * 2 }` → doubled → out/doubled.jsonl, with `errors` lines on the stream. */
function pipelineText(errors: string): string {
  return `name: doubler
engine:
  data_dir: \${PIPELINE_DIR}/data
topics:
  numbers: { partitions: 1 }
  doubled: { partitions: 1 }
sources:
  - name: numbers-in
    connector: file-source
    topic: numbers
    file.path: \${PIPELINE_DIR}/in/numbers.jsonl
    file.format: json
    value.converter: json
streams:
  - name: double
    from: numbers
${errors}    steps:
      - filter: 'true'
      - map: '{ "d": n * 2 }'
    to: doubled
sinks:
  - name: doubled-out
    connector: file-sink
    topics: doubled
    file.path: \${PIPELINE_DIR}/out/doubled.jsonl
    value.converter: json
`;
}

const ERRORS_DLQ = '    errors.tolerance: all\n    errors.deadletterqueue.topic.name: numbers-dlq\n';

/** The 1-based line of the map step in `pipelineText(errors)`. */
const mapLine = (errors: string): number => pipelineText(errors).split('\n').findIndex((l) => l.includes('- map:')) + 1;

function outputLines(dir: string): number[] {
  const file = path.join(dir, 'out', 'doubled.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { d: number }).d);
}

/** The records of `topic` on the test engine: the pipeline's data directory, or this test's broker. */
async function readTopic(dataDir: string, topic: string): Promise<ConsumerRecord[]> {
  const { bootstrapServers } = await pipelineTestEngine();
  const cluster = bootstrapServers ? await openCluster({ bootstrapServers }) : await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  try {
    const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest' });
    consumer.assign([{ topic, partition: 0 }]);
    const end = (await cluster.describeTopic(topic)).partitions[0].logEndOffset;
    const out: ConsumerRecord[] = [];
    // By position, not by count: transaction markers take offsets too.
    while ((await consumer.position({ topic, partition: 0 })) < end) out.push(...(await consumer.poll({ timeoutMs: 100 })));
    await consumer.close();
    return out;
  } finally {
    await cluster.close();
  }
}

const header = (r: ConsumerRecord, key: string): string | undefined => r.headers.find((h) => h.key === key)?.value?.toString('utf8');
const good = Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== BAD_AT).map((i) => i * 2);

describe('stream errors.tolerance', () => {
  it('none (the default): the run fails with a StepRecordError naming the stream, step, expression and record', async () => {
    const dir = tempDir();
    writeInput(dir);
    const file = path.join(dir, 'p.yaml');
    const error = await runPipeline(valid(pipelineText(''), { file }), { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 200 }).catch((e: unknown) => e);
    const causes: unknown[] = [];
    for (let c: unknown = error; c instanceof Error; c = c.cause) causes.push(c);
    const e = causes.find((c) => c instanceof StepRecordError) as StepRecordError;
    expect(e).toBeInstanceOf(StepRecordError);
    expect((error as Error).message).toContain(e.message); // the streams app's error says it too
    expect(e).toMatchObject({ code: 'PIPELINE_STEP_FAILED', stream: 'double', step: 2, stepType: 'map', expression: '{ "d": n * 2 }', origin: { topic: 'numbers', partition: 0, offset: BAD_AT } });
    expect(e.message).toContain(`stream "double", step 2 (map) at ${file}:${mapLine('')}:9, record numbers-0@${BAD_AT}: JSONata expression ${JSON.stringify('{ "d": n * 2 }')} failed at character 10`);
    expect(e.message).toContain('The left side of the "*" operator must evaluate to a number (T2001) (errors.tolerance is none');
    expect(e.message).not.toContain('[object Object]');
  });

  it('all with a dead-letter topic: the 19 good records reach the sink, run after run; the bad one is dead-lettered with the error headers', async () => {
    const dir = tempDir();
    writeInput(dir);
    const text = pipelineText(ERRORS_DLQ);
    const first = await runPipeline(valid(text, { file: path.join(dir, 'p.yaml') }), { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 200 });
    expect(first.stoppedBy).toBe('idle');
    expect(outputLines(dir)).toEqual(good);

    // A rerun over more input neither fails on the old record nor repeats anything.
    fs.appendFileSync(path.join(dir, 'in', 'numbers.jsonl'), '{"n":100}\n{"n":null}\n');
    await runPipeline(valid(text, { file: path.join(dir, 'p.yaml') }), { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 200 });
    expect(outputLines(dir)).toEqual([...good, 200]);

    const dead = await readTopic(path.join(dir, 'data'), 'numbers-dlq');
    expect(dead).toHaveLength(2);
    expect(JSON.parse(dead[0].value!.toString('utf8'))).toEqual({ n: 'seven' }); // as it entered the failing step
    expect(header(dead[0], '__connect.errors.topic')).toBe('numbers');
    expect(header(dead[0], '__connect.errors.partition')).toBe('0');
    expect(header(dead[0], '__connect.errors.offset')).toBe(String(BAD_AT));
    expect(header(dead[0], '__connect.errors.connector.name')).toBe('double');
    expect(header(dead[0], '__connect.errors.stage')).toBe('TRANSFORMATION');
    expect(header(dead[0], '__connect.errors.class.name')).toBe('map');
    expect(header(dead[0], '__connect.errors.step')).toBe(`step 2 (map) at ${path.join(dir, 'p.yaml')}:${mapLine(ERRORS_DLQ)}:9`);
    expect(header(dead[0], '__connect.errors.exception.message')).toContain('The left side of the "*" operator must evaluate to a number');
    // The source wrote each run in a transaction: the first run's COMMIT marker took an offset too.
    const input = await readTopic(path.join(dir, 'data'), 'numbers');
    expect(header(dead[1], '__connect.errors.offset')).toBe(String(input.find((r) => r.value?.toString('utf8') === '{"n":null}')!.offset));
  });

  it('all without a dead-letter topic: the failed record is skipped and the others go through', async () => {
    const dir = tempDir();
    writeInput(dir);
    const summary = await runPipeline(valid(pipelineText('    errors.tolerance: all\n'), { file: path.join(dir, 'p.yaml') }), { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 200 });
    expect(summary.stoppedBy).toBe('idle');
    expect(outputLines(dir)).toEqual(good);
  });

  it('validation: a dead-letter topic needs tolerance all and must not be an input; a bad tolerance is a schema error', () => {
    const messages = (errors: string) => problemsOf(pipelineText(errors)).map((p) => `${p.displayPath}: ${p.message}`);
    expect(messages('    errors.deadletterqueue.topic.name: dlq\n')).toEqual([`streams[0]['errors.deadletterqueue.topic.name']: is only used with errors.tolerance "all" (failed records go there instead of stopping the pipeline)`]);
    expect(messages('    errors.tolerance: all\n    errors.deadletterqueue.topic.name: numbers\n')).toEqual([
      `streams[0]['errors.deadletterqueue.topic.name']: must differ from the topics the stream reads ("numbers"): its failed records would come back to it`,
    ]);
    expect(messages('    errors.tolerance: some\n').join('\n')).toContain("streams[0]['errors.tolerance']");
  });

  it('a sink may read a stream\'s dead-letter topic (it is created if missing)', () => {
    const text = pipelineText(ERRORS_DLQ) + '  - name: dlq-out\n    connector: file-sink\n    topics: numbers-dlq\n    file.path: /tmp/x.jsonl\n';
    expect(valid(text).streams[0].errors).toEqual({ tolerance: 'all', deadLetterTopic: 'numbers-dlq', contextHeaders: true });
  });
});
