/**
 * The "Testing pipelines" snippets are true: the docs' full test file is valid against the
 * published schema, and the README's case passes against the log-tailing example.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runTests } from '../../../pipelines/index.js';
import { tempDir } from '../../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The first ```yaml block after the "## Testing pipelines" heading of `file`. */
function yamlBlock(file: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const section = text.slice(text.indexOf('## Testing pipelines'));
  return /```yaml\n([\s\S]*?)```/.exec(section)![1];
}

describe('Testing pipelines docs', () => {
  it("the docs' test file is valid against pipeline-test.schema.json", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'pipeline-test.schema.json'), 'utf8')) as object);
    const valid = validate(parse(yamlBlock('docs/pipeline-files.md')));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("the README's case passes against the log-tailing example", async () => {
    const dir = tempDir();
    fs.copyFileSync(path.join(ROOT, 'examples/log-tailing/pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    fs.writeFileSync(path.join(dir, 'readme.test.yaml'), yamlBlock('README.md'));
    const run = await runTests([path.join(dir, 'readme.test.yaml')]);
    expect(run.results[0].cases.map((c) => c.failures)).toEqual([[]]);
  });
});
