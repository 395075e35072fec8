/**
 * Checks a parsed pipeline file against its JSON Schema with ajv (all errors, formats, defaults)
 * and turns ajv's errors into problems that say what was expected, in the user's words: "unknown
 * step "filtr" (did you mean "filter"?)", "must be a duration such as 30s or 5m, got "5 min"".
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { schemaValidator } from '../connectors/config/schema-validator.js';
import type { ConnectorRegistry, JsonSchema } from '../connectors/index.js';
import { DURATION_PATTERN } from './duration.js';
import { NAME_PATTERN, pipelineSchema } from './pipeline-schema.js';
import { parsePointer, pointerJoin } from './source-map.js';
import { STEP_TYPES } from './step-schemas.js';
import { didYouMean } from '../connectors/config/suggest.js';
import { TOPIC_PATTERN } from './topic-schema.js';

/** A schema problem: a JSON Pointer, a message, and whether it is about the field's name. */
export interface SchemaProblem {
  pointer: string;
  message: string;
  atKey?: boolean;
}

/** What patterns mean, for messages. */
const PATTERN_HINTS: Record<string, string> = {
  [TOPIC_PATTERN]: 'a topic name (letters, digits, ".", "_" and "-", at most 249)',
  [DURATION_PATTERN]: 'a duration such as 500ms, 30s, 5m, 1h30m or 7d (or an integer of milliseconds)',
  [NAME_PATTERN]: 'a name of letters, digits, ".", "_" and "-" (at most 200)',
  '^count$': '"count", or an object with one operation such as { sum: total }',
};

const compiled = new WeakMap<ConnectorRegistry, ValidateFunction>();

/** Validates `data` in place (fills in defaults) and returns its problems. */
export function validateSchema(data: unknown, registry: ConnectorRegistry, coercible: ReadonlySet<string> = new Set()): SchemaProblem[] {
  let validate = compiled.get(registry);
  if (!validate) compiled.set(registry, (validate = schemaValidator(validationSchema(registry))));
  if (!validate(data) && coercible.size > 0 && coerce(data, validate.errors ?? [], coercible)) validate(data);
  return toProblems(validate.errors ?? [], data);
}

/**
 * The schema pipeline files are validated against: connector entries left open, since the
 * connectors' own validator checks them (its errors read as for a standalone config).
 */
export function validationSchema(registry: ConnectorRegistry): JsonSchema {
  return pipelineSchema(registry, { openConnectors: true });
}

/**
 * Quoted `"${VAR}"` values where the schema wants a number or a boolean: converted when the text
 * is one. Returns whether anything changed (then the caller validates again).
 */
function coerce(data: unknown, errors: readonly ErrorObject[], coercible: ReadonlySet<string>): boolean {
  let changed = false;
  for (const e of errors) {
    if (e.keyword !== 'type' || !coercible.has(e.instancePath)) continue;
    const types = typesOf(e.params.type);
    const text = valueAt(data, e.instancePath);
    if (typeof text !== 'string') continue;
    let value: unknown;
    if ((types.includes('integer') || types.includes('number')) && /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim())) value = Number(text);
    else if (types.includes('boolean') && (text === 'true' || text === 'false')) value = text === 'true';
    if (value === undefined) continue;
    const segments = parsePointer(e.instancePath);
    const parent = valueAt(data, pointerJoin('', ...segments.slice(0, -1))) as Record<string, unknown>;
    parent[segments[segments.length - 1]] = value;
    changed = true;
  }
  return changed;
}

/** ajv's errors for `data` as problems in the user's words (also for other file schemas: test files). */
export function toProblems(errors: readonly ErrorObject[], data: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    const parent = e.parentSchema as { title?: string; properties?: Record<string, { description?: string }> } | undefined;
    const isStep = parent?.title === 'Step';
    const p = e.params as Record<string, unknown>;
    const value = valueAt(data, e.instancePath);
    switch (e.keyword) {
      case 'required': {
        const field = String(p.missingProperty);
        const description = firstSentence(parent?.properties?.[field]?.description);
        out.push({ pointer: e.instancePath, message: `missing required field "${field}"${description ? ` (${description})` : ''}` });
        break;
      }
      case 'additionalProperties': {
        const field = String(p.additionalProperty);
        const known = Object.keys(parent?.properties ?? {});
        const hint = didYouMean(field, known) || ` (expected ${isStep ? 'a step type: ' : 'one of: '}${known.join(', ')})`;
        out.push({ pointer: pointerJoin(e.instancePath, field), message: `unknown ${isStep ? 'step' : 'field'} "${field}"${hint}`, atKey: true });
        break;
      }
      case 'maxProperties': {
        const keys = Object.keys(value as object);
        if (isStep) {
          out.push({ pointer: e.instancePath, message: `a step has one type, found ${keys.map((k) => `"${k}"`).join(' and ')}: start each step with "- "` });
        } else if (parent?.title === 'Aggregate field') {
          out.push({ pointer: e.instancePath, message: `one operation per field, found ${keys.map((k) => `"${k}"`).join(' and ')}: give each its own field` });
        } else {
          out.push({ pointer: e.instancePath, message: `give only one of ${keys.map((k) => `"${k}"`).join(', ')}` });
        }
        break;
      }
      case 'minProperties':
        out.push({ pointer: e.instancePath, message: isStep ? `empty step: expected one of ${STEP_TYPES.join(', ')}` : `must not be empty (expected ${Object.keys(parent?.properties ?? {}).join(', ') || 'at least one field'})` });
        break;
      case 'type': {
        const expected = typesOf(p.type).map(article).join(' or ');
        out.push({
          pointer: e.instancePath,
          message: isStep ? `a step is an object with one field, the step type, such as { filter: <expression> }; got ${describe(value)}` : `must be ${expected}, got ${describe(value)}`,
        });
        break;
      }
      case 'enum': {
        const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
        const near = typeof value === 'string' ? didYouMean(value, (p.allowedValues as unknown[]).map(String)) : '';
        out.push({ pointer: e.instancePath, message: `must be one of ${allowed.join(', ')}, got ${describe(value)}${near}` });
        break;
      }
      case 'pattern': {
        const pattern = String(p.pattern);
        const hint = PATTERN_HINTS[pattern] ?? `text matching ${pattern}`;
        if (e.propertyName !== undefined) {
          out.push({ pointer: pointerJoin(e.instancePath, e.propertyName), message: `"${e.propertyName}" is not ${hint}`, atKey: true });
        } else {
          out.push({ pointer: e.instancePath, message: `must be ${hint}, got ${describe(value)}` });
        }
        break;
      }
      case 'propertyNames':
        break; // reported by the inner error, which names the property
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        out.push({ pointer: e.instancePath, message: `must be ${String(p.comparison)} ${String(p.limit)}, got ${describe(value)}` });
        break;
      case 'minLength':
        out.push({ pointer: e.instancePath, message: 'must not be empty' });
        break;
      case 'minItems':
        out.push({ pointer: e.instancePath, message: `must have at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}` });
        break;
      default:
        out.push({ pointer: e.instancePath, message: e.message ?? e.keyword });
    }
  }
  return out;
}

function typesOf(type: unknown): string[] {
  return Array.isArray(type) ? type.map(String) : String(type).split(',');
}

function article(type: string): string {
  if (type === 'integer') return 'an integer';
  if (type === 'array') return 'a list';
  if (type === 'object') return 'an object';
  if (type === 'null') return 'empty';
  return `a ${type}`;
}

/** A value as messages quote it. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const first = text.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** The value at a JSON Pointer in `root`. */
export function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of parsePointer(pointer)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
