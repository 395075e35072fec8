import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../connectors/index.js';
import { PIPELINE_SCHEMA_ID, pipelineSchema } from '../../pipelines/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function compile(schema: object) {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true });
  addFormats(ajv);
  expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  return ajv.compile(schema);
}

describe('pipelineSchema', () => {
  const schema = pipelineSchema(createRegistry()) as Record<string, any>;

  it('is a draft-07 schema with an $id, a title and descriptions, that ajv compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(PIPELINE_SCHEMA_ID);
    expect(schema.title).toBe('Sluice pipeline');
    for (const [name, property] of Object.entries(schema.properties as Record<string, { description?: string }>)) {
      expect(property.description, name).toBeTruthy();
    }
    compile(schema);
  });

  it('survives JSON (what `sluice schema` prints) unchanged', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('accepts its own examples', () => {
    const validate = compile(schema);
    for (const example of schema.examples as unknown[]) expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every step type has a description and examples', () => {
    const step = schema.definitions.step;
    for (const [name, s] of Object.entries(step.properties as Record<string, { description?: string; examples?: unknown[] }>)) {
      expect(s.description, name).toBeTruthy();
      expect(s.examples?.length, name).toBeGreaterThan(0);
    }
  });

  it('checks connector entries against their connector type\'s own schema (for editors)', () => {
    const validate = compile(schema);
    const pipeline = (source: object) => ({ sources: [source] });
    expect(validate(pipeline({ name: 'in', connector: 'file-source', topic: 'lines', 'file.path': '/tmp/x' }))).toBe(true);
    expect(validate(pipeline({ name: 'in', connector: 'file-source', topic: 'lines', 'file.pth': '/tmp/x' }))).toBe(false);
    expect(validate.errors!.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'file.pth')).toBe(true);
    expect(validate(pipeline({ name: 'in', connector: 'file-sink', topics: 'x', 'file.path': '/tmp/x' }))).toBe(false);
  });

  it('rejects an unknown step and a step with two types', () => {
    const validate = compile(schema);
    const withSteps = (steps: unknown[]) => ({ topics: { a: {} }, streams: [{ from: 'a', steps, to: 'a' }] });
    expect(validate(withSteps([{ filter: 'x' }, { aggregate: { fields: { n: 'count', s: { sum: 'x' } }, window: { tumbling: '5m' } } }]))).toBe(true);
    expect(validate(withSteps([{ filtr: 'x' }]))).toBe(false);
    expect(validate(withSteps([{ filter: 'x', map: 'y' }]))).toBe(false);
  });
});
