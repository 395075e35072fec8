/** Silent empty successes: input that reads nothing is named by `validate` and `run`. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputWarnings } from '../../pipelines/index.js';
import { cliSession } from '../cli/cli-helpers.js';
import { tempDir } from '../helpers.js';
import { valid } from './helpers.js';

function pipelineReading(filePath: string): string {
  return `name: job
engine: { in_memory: true }
sources:
  - name: orders-in
    connector: file-source
    topic: orders
    file.path: ${filePath}
`;
}

describe('inputWarnings', () => {
  it('names a glob that matches no file, and says nothing once one matches', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'in', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'in', 'deep', 'a.jsonl'), '{}\n');
    const pipeline = valid(pipelineReading('in/*.jsonl'));
    expect(inputWarnings(pipeline, dir)).toEqual(['source "orders-in": file.path "in/*.jsonl" matches no file (yet): nothing is read until one appears']);
    expect(inputWarnings(valid(pipelineReading('in/**/*.jsonl')), dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'in', 'b.jsonl'), '{}\n');
    expect(inputWarnings(pipeline, dir)).toEqual([]);
  });

  it('names a missing plain path and /dev/stdin, which the file source cannot tail', () => {
    const dir = tempDir();
    expect(inputWarnings(valid(pipelineReading('orders.jsonl')), dir)).toEqual(['source "orders-in": file.path "orders.jsonl" matches no file (yet): nothing is read until one appears']);
    expect(inputWarnings(valid(pipelineReading('/dev/stdin')), dir)).toEqual([
      'source "orders-in": file.path "/dev/stdin" is a stream, not a file: the file source tails files by position and reads nothing from it (pipe into "sluice produce <topic>" instead)',
    ]);
  });
});

describe('sluice validate / run and input that reads nothing', () => {
  it('validate warns on stderr and still exits 0; run --until-idle warns and names the source that read nothing', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const file = path.join(dir, 'job.yaml');
    fs.writeFileSync(file, pipelineReading(`${dir}/in/*.jsonl`));
    const validated = await cli.run(['validate', file]);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/: OK — pipeline job/);
    expect(validated.stderr).toBe(`${file}: warning: source "orders-in": file.path "${dir}/in/*.jsonl" matches no file (yet): nothing is read until one appears\n`);

    const ran = await cli.run(['run', '--until-idle', '--idle-ms', '200', file]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^pipeline job: 0 records in/);
    expect(ran.stderr).toContain(`${file}: warning: source "orders-in": file.path "${dir}/in/*.jsonl" matches no file (yet)`);
    expect(ran.stderr).toContain(`${file}: warning: source "orders-in" read nothing\n`);
  });
});
