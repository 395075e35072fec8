/**
 * The shipped `pipeline.schema.json` (repository root, package export `sluice/pipeline.schema.json`,
 * where the examples' `yaml-language-server` modelines point) is exactly what `sluice schema` prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../connectors/index.js';
import { pipelineSchema, PIPELINE_SCHEMA_ID, testFileSchema, TEST_FILE_SCHEMA_ID } from '../../pipelines/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = path.join(ROOT, 'pipeline.schema.json');
const SHIPPED_TESTS = path.join(ROOT, 'pipeline-test.schema.json');

describe('pipeline.schema.json', () => {
  it('equals the output of `sluice schema` (regenerate: npm run build && node dist/cli/main.js schema > pipeline.schema.json)', () => {
    expect(fs.readFileSync(SHIPPED, 'utf8')).toBe(`${JSON.stringify(pipelineSchema(createRegistry()), null, 2)}\n`);
  });

  it('is where every modeline of the examples and docs points, and the package exports it', () => {
    const files = [
      ...fs.readdirSync(path.join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(ROOT, 'examples', f)),
    ];
    const modelines = files.flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/yaml-language-server: \$schema=(\S+)/g)].map((m) => ({ file: f, target: m[1] })));
    expect(modelines.length).toBeGreaterThan(0);
    for (const { file, target } of modelines) expect(path.resolve(path.dirname(file), target), file).toBe(/\.test\.ya?ml$/.test(file) ? SHIPPED_TESTS : SHIPPED);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    expect(pkg.exports['./pipeline.schema.json']).toBe('./pipeline.schema.json');
    expect(pkg.files).toContain('pipeline.schema.json');
    expect((JSON.parse(fs.readFileSync(SHIPPED, 'utf8')) as { $id: string }).$id).toBe(PIPELINE_SCHEMA_ID);
  });

  it('pipeline-test.schema.json equals `sluice schema --tests` and ships in the package', () => {
    expect(fs.readFileSync(SHIPPED_TESTS, 'utf8')).toBe(`${JSON.stringify(testFileSchema(), null, 2)}\n`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    expect(pkg.exports['./pipeline-test.schema.json']).toBe('./pipeline-test.schema.json');
    expect(pkg.files).toContain('pipeline-test.schema.json');
    expect((JSON.parse(fs.readFileSync(SHIPPED_TESTS, 'utf8')) as { $id: string }).$id).toBe(TEST_FILE_SCHEMA_ID);
  });
});
