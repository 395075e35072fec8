/**
 * Reads a pipeline test file (`*.test.yaml`), or the `tests:` section of a pipeline file, into
 * `TestSuite`s: YAML with a source map → JSON Schema (ajv, the pipeline files' messages and
 * did-you-mean) → conditions compiled, JSON-lines inputs read. Every problem is thrown at once in a
 * `PipelineError`, each with its file, line and column.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { schemaValidator } from '../../connectors/config/schema-validator.js';
import type { JsonSchema } from '../../connectors/index.js';
import { PipelineError } from '../errors.js';
import { compileExpression, ExpressionSyntaxError } from '../expression.js';
import { parseDuration } from '../duration.js';
import { readYamlDocument } from '../load-pipeline.js';
import type { Problems } from '../problems.js';
import { pointerJoin, type Location } from '../source-map.js';
import { toProblems } from '../validate-schema.js';
import type { ExpectedRecord, InputRecord, StoreExpectation, TestCase, TestSuite, TopicExpectation } from './test-case.js';
import { testCaseSchema, testFileSchema } from './test-file-schema.js';

let validators: { file: ValidateFunction; section: ValidateFunction } | undefined;

/**
 * The schemas test files are validated against: a test file, and a pipeline's own `tests:`
 * section (the pipeline schema checks the rest of that file).
 */
export function testValidationSchemas(): { file: JsonSchema; section: JsonSchema } {
  return { file: testFileSchema(), section: { type: 'object', properties: { tests: { type: 'array', items: testCaseSchema() } } } };
}

function schemaValidators(): { file: ValidateFunction; section: ValidateFunction } {
  if (validators) return validators;
  const { file, section } = testValidationSchemas();
  validators = { file: schemaValidator(file), section: schemaValidator(section) };
  return validators;
}

/** Whether `file` is a pipeline test file by its name. */
export function isTestFileName(file: string): boolean {
  return /\.test\.ya?ml$/.test(file);
}

/**
 * The suite of a test file, or of a pipeline file's `tests:` section (`null` when it has none).
 * @throws PipelineError listing every problem; the file system's error when it cannot be read.
 */
export function loadTestFile(file: string): TestSuite | null {
  const text = fs.readFileSync(file, 'utf8');
  const { doc, map, problems } = readYamlDocument(text, file, 'the file is empty: a test file names its pipeline and lists cases');
  const data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const isPipeline = !isTestFileName(file);
  if (isPipeline && (typeof data !== 'object' || data === null || !('tests' in data))) return null;
  const { file: fileValidator, section } = schemaValidators();
  const validate = isPipeline ? section : fileValidator;
  if (!validate(data)) for (const p of toProblems(validate.errors ?? [], data)) problems.add(p.pointer, p.message, p.atKey ? 'key' : 'value');
  if (problems.size > 0) throw new PipelineError(file, problems.sorted());

  const dir = path.dirname(path.resolve(file));
  const listPointer = isPipeline ? '/tests' : '/cases';
  const rawCases = (isPipeline ? data.tests : data.cases) as RawCase[];
  const suite: TestSuite = {
    file,
    pipelineFile: isPipeline ? path.resolve(file) : path.resolve(dir, String(data.pipeline)),
    vars: stringVars(isPipeline ? undefined : (data.vars as RawVars | undefined)),
    cases: rawCases.map((raw, i) => toCase(raw, pointerJoin(listPointer, i), dir, problems)),
  };
  if (problems.size > 0) throw new PipelineError(file, problems.sorted());
  return suite;
}

type RawVars = Record<string, string | number | boolean>;
type RawRecord = { key?: unknown; value?: unknown; headers?: Record<string, string | null>; timestamp?: number | string };
interface RawCase {
  name: string;
  vars?: RawVars;
  inputs?: Record<string, RawRecord[] | { file: string }>;
  wall_clock?: number | string;
  advance?: number | string;
  close_windows: boolean;
  expect?: Record<string, { records?: RawRecord[]; records_in_any_order?: RawRecord[]; count?: number; condition?: string }>;
  stores?: Record<string, Record<string, unknown>>;
}

function toCase(raw: RawCase, pointer: string, dir: string, problems: Problems): TestCase {
  const at = problems.map.locate(pointer);
  const inputs = Object.entries(raw.inputs ?? {}).map(([topic, spec]) => {
    const p = pointerJoin(pointer, 'inputs', topic);
    const records = Array.isArray(spec) ? spec.map((r, i) => toInput(r, pointerJoin(p, i), problems)) : readJsonLines(path.resolve(dir, spec.file), pointerJoin(p, 'file'), problems);
    return { topic, records, at: problems.map.locate(p, 'key') };
  });
  const expect: TopicExpectation[] = Object.entries(raw.expect ?? {}).map(([topic, e]) => {
    const p = pointerJoin(pointer, 'expect', topic);
    const expected = (list: RawRecord[] | undefined, field: string) => list?.map((r, i) => toExpected(r, pointerJoin(p, field, i), problems));
    let condition;
    if (e.condition !== undefined) {
      const cp = pointerJoin(p, 'condition');
      try {
        condition = compileExpression(e.condition);
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
        const exact = problems.map.locateInString(cp, error.index);
        problems.add(cp, `invalid JSONata expression: ${error.message}${exact ? '' : ` (at character ${error.index + 1} of the expression)`}`, exact ?? 'value');
      }
    }
    return {
      topic,
      at: problems.map.locate(p, 'key'),
      inOrder: expected(e.records, 'records'),
      anyOrder: expected(e.records_in_any_order, 'records_in_any_order'),
      count: e.count,
      condition,
    };
  });
  const stores: StoreExpectation[] = Object.entries(raw.stores ?? {}).map(([store, entries]) => ({ store, entries, at: problems.map.locate(pointerJoin(pointer, 'stores', store), 'key') }));
  return {
    name: raw.name,
    at,
    vars: stringVars(raw.vars),
    inputs,
    wallClockMs: raw.wall_clock === undefined ? 0 : toMillis(raw.wall_clock),
    advanceMs: raw.advance === undefined ? 0 : parseDuration(raw.advance),
    closeWindows: raw.close_windows,
    expect,
    stores,
  };
}

function toInput(r: RawRecord, _pointer: string, _problems: Problems): InputRecord {
  return { key: r.key ?? null, value: r.value ?? null, headers: r.headers ?? {}, timestamp: r.timestamp === undefined ? undefined : toMillis(r.timestamp) };
}

function toExpected(r: RawRecord, pointer: string, problems: Problems): ExpectedRecord {
  return {
    ...('key' in r ? { key: r.key } : {}),
    ...('value' in r ? { value: r.value } : {}),
    ...(r.headers !== undefined ? { headers: r.headers } : {}),
    ...(r.timestamp !== undefined ? { timestamp: toMillis(r.timestamp) } : {}),
    at: problems.map.locate(pointer),
  };
}

/** JSON lines of records `{ key, value, headers, timestamp }`; a bad line is a problem at its own line. */
function readJsonLines(file: string, pointer: string, problems: Problems): InputRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    problems.add(pointer, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return [];
  }
  const out: InputRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as unknown;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('a line must be an object { key, value, headers, timestamp }');
      out.push(toInput(r as RawRecord, pointer, problems));
    } catch (error) {
      const where: Location = { file, line: i + 1, column: 1 };
      problems.push({ ...where, path: '', displayPath: '', message: error instanceof Error ? error.message : String(error) });
    }
  });
  return out;
}

function stringVars(vars: RawVars | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(vars ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Milliseconds of a timestamp (already schema-checked: an integer or an ISO date-time). */
export function toMillis(t: number | string): number {
  return typeof t === 'number' ? t : Date.parse(t);
}
