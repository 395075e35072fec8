/**
 * The build's precompiled schema validators (ajv standalone, `npm run build` → dist/): generated
 * from the current schemas (a stale build fails here), used by the built code, and giving exactly
 * the errors and defaults of validators compiled at run time.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { PRECOMPILED_VALIDATORS_DIR, precompiledValidatorModules, schemaKey, schemaValidator } from '../../../connectors/config/schema-validator.js';
import { ConfigValidator, createRegistry, type JsonSchema } from '../../../connectors/index.js';
import { builtInSchemas } from '../../../pipelines/built-in-schemas.js';
import { testValidationSchemas } from '../../../pipelines/testing/load-test-file.js';
import { validationSchema } from '../../../pipelines/validate-schema.js';
import { REPO_ROOT } from '../../child-scripts.js';

const DIST_DIR = path.join(REPO_ROOT, 'dist', 'connectors', 'config', PRECOMPILED_VALIDATORS_DIR);
const requireDist = createRequire(path.join(DIST_DIR, 'index.cjs'));

/** The build's validator of `schema` (the test's global setup ran `npm run build`). */
function precompiled(schema: JsonSchema): ValidateFunction {
  return requireDist(`./${schemaKey(schema)}.cjs`) as ValidateFunction;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `root` (objects' keys and arrays' indexes). */
function paths(root: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(root)) root.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (root !== null && typeof root === 'object') for (const [k, v] of Object.entries(root)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Mutation = { at: number; op: 'set'; value: Json } | { at: number; op: 'delete' } | { at: number; op: 'typo' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), op: fc.constant('set' as const), value: fc.oneof(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, fc.constantFrom<Json>('5 min', 'filtr', 'none', 'all', -1, '', {})) }),
  fc.record({ at: fc.nat(), op: fc.constant('delete' as const) }),
  fc.record({ at: fc.nat(), op: fc.constant('typo' as const) }),
);

/** `doc` with `m` applied at one of its paths (the root is never deleted). */
function mutate(doc: Json, m: Mutation): Json {
  const copy = structuredClone(doc);
  const all = paths(copy);
  const at = all[m.at % all.length];
  if (at.length === 0) return m.op === 'set' ? m.value : copy;
  let parent = copy as Record<string | number, Json>;
  for (const segment of at.slice(0, -1)) parent = parent[segment] as Record<string | number, Json>;
  const last = at[at.length - 1];
  if (m.op === 'set') parent[last] = m.value;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (m.op === 'delete') delete parent[last];
  else {
    // A misspelled field name: drop a letter.
    const name = String(last);
    parent[name.length > 1 ? name.slice(0, -1) : `${name}x`] = parent[name];
    delete parent[name];
  }
  return copy;
}

/** Both validators on copies of `data`: the same verdict, the same errors, the same defaults filled in. */
function expectSameValidation(build: ValidateFunction, runtime: ValidateFunction, data: Json): void {
  const a = structuredClone(data);
  const b = structuredClone(data);
  const validA = build(a);
  const validB = runtime(b);
  expect(validA).toBe(validB);
  expect(build.errors ?? null).toEqual(runtime.errors ?? null);
  expect(a).toEqual(b);
}

const EXAMPLES = ['file-etl', 'log-tailing', 'nats-bridge'].map((name) => path.join(REPO_ROOT, 'examples', name));
const read = (file: string): Json => YAML.parse(fs.readFileSync(file, 'utf8')) as Json;

describe('precompiled schema validators', () => {
  it('the build wrote exactly the modules the current schemas generate (stale: run npm run build)', () => {
    const expected = precompiledValidatorModules(builtInSchemas());
    expect(fs.readdirSync(DIST_DIR).sort()).toEqual([...expected.keys()].sort());
    for (const [file, source] of expected) expect(fs.readFileSync(path.join(DIST_DIR, file), 'utf8'), file).toBe(source);
  });

  it('the built code uses the precompiled validators, and compiles a schema the build did not see', async () => {
    const dist = (await import(path.join(REPO_ROOT, 'dist', 'connectors', 'config', 'schema-validator.js'))) as typeof import('../../../connectors/config/schema-validator.js');
    for (const schema of builtInSchemas()) {
      expect(dist.isPrecompiled(schema)).toBe(true);
      expect(dist.schemaValidator(schema)).toBe(precompiled(schema));
    }
    const custom: JsonSchema = { type: 'object', properties: { n: { type: 'integer', default: 3 } }, additionalProperties: false };
    expect(dist.isPrecompiled(custom)).toBe(false);
    const validate = dist.schemaValidator(custom);
    const data: Record<string, unknown> = {};
    expect(validate(data)).toBe(true);
    expect(data).toEqual({ n: 3 });
    expect(validate({ m: 1 })).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['additionalProperties']);
  });

  it('a pipeline file, valid or broken anywhere: the same errors and defaults as a validator compiled now', () => {
    const schema = validationSchema(createRegistry());
    const build = precompiled(schema);
    const runtime = schemaValidator(schema);
    expect(runtime).not.toBe(build); // from the sources, nothing precompiled sits beside the module
    const docs = EXAMPLES.map((dir) => read(path.join(dir, 'pipeline.yaml')));
    for (const doc of docs) expectSameValidation(build, runtime, doc);
    fc.assert(fc.property(fc.constantFrom(...docs), fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, ms) => expectSameValidation(build, runtime, ms.reduce(mutate, doc))), { numRuns: 300 });
  });

  it('a connector config, valid or broken anywhere: the same errors and defaults as a validator compiled now', () => {
    const registry = createRegistry();
    const validator = new ConfigValidator(registry);
    const configs = EXAMPLES.flatMap((dir) => {
      const doc = read(path.join(dir, 'pipeline.yaml')) as { sources?: Json[]; sinks?: Json[] };
      return [...(doc.sources ?? []), ...(doc.sinks ?? [])] as { [key: string]: Json }[];
    });
    expect(new Set(configs.map((c) => c.connector)).size).toBeGreaterThanOrEqual(3);
    const commonOnly = validator.schemas()[0];
    expectSameValidation(precompiled(commonOnly), schemaValidator(commonOnly), { name: 'x', connector: 'nope', 'errors.tolerance': 'sometimes' });
    fc.assert(
      fc.property(fc.constantFrom(...configs), fc.array(mutation, { minLength: 1, maxLength: 3 }), (config, ms) => {
        const schema = validator.schemaOf(registry.get(String(config.connector))!);
        expectSameValidation(precompiled(schema), schemaValidator(schema), ms.reduce(mutate, config as Json));
      }),
      { numRuns: 300 },
    );
  });

  it('a test file, valid or broken anywhere: the same errors and defaults as a validator compiled now', () => {
    const { file: schema } = testValidationSchemas();
    const docs = EXAMPLES.map((dir) => read(path.join(dir, 'pipeline.test.yaml')));
    fc.assert(fc.property(fc.constantFrom(...docs), fc.array(mutation, { maxLength: 3 }), (doc, ms) => expectSameValidation(precompiled(schema), schemaValidator(schema), ms.reduce(mutate, doc))), { numRuns: 200 });
  });
});
