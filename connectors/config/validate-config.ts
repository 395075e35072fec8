/**
 * Validates connector configs with ajv (all errors, formats) against the schema of their connector
 * type plus the common fields, then runs the checks a schema cannot express (expressions compile,
 * a dead-letter topic goes with `errors.tolerance=all`, …). Every problem is reported, with its
 * JSON Pointer path (and file line when a locator is given), in one `ConnectorConfigError`.
 */
import { closest, didYouMean } from './suggest.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConnectorType, JsonSchema } from '../connector.js';
import { ConnectorConfigError, type ConfigProblemLocation } from '../errors.js';
import type { ConnectorRegistry } from '../registry.js';
import { TRANSFORMS_BY_TYPE } from '../transforms/index.js';
import { commonOnlySchema, connectorConfigSchema, type RuntimeConfig } from './common-schema.js';
import { schemaValidator } from './schema-validator.js';

/** A validated config: the common fields typed, the connector's own fields alongside. */
export type ValidConfig = RuntimeConfig & Record<string, unknown>;

/**
 * Maps a JSON Pointer to a place in the config's file: the field's value, or with `at: 'key'` its
 * name (for an unknown field).
 */
export type Locator = (pointer: string, at?: 'key' | 'value') => { line: number; column: number } | undefined;

interface Problem {
  path: string;
  message: string;
  /** Locate the field's name rather than its value. */
  atKey?: boolean;
}

export interface ValidateOptions {
  /** Names the config's origin (a file path) in messages. */
  source?: string;
  locate?: Locator;
}

/**
 * Validates connector configs against a registry, with validators precompiled by the build for the
 * built-in registry (see `schema-validator.ts`), looked up once per type.
 *
 * @example
 *   const validator = new ConfigValidator(createRegistry());
 *   const config = validator.validate(YAML.parse(text)); // throws ConnectorConfigError
 */
export class ConfigValidator {
  readonly #registry: ConnectorRegistry;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(registry: ConnectorRegistry) {
    this.#registry = registry;
  }

  /** Every schema this validator checks configs against (what the build precompiles for the built-in registry). */
  schemas(): JsonSchema[] {
    return [commonOnlySchema([...this.#registry.keys()]), ...[...this.#registry.values()].map((type) => this.schemaOf(type))];
  }

  /** The JSON Schema of a connector type's configs (for docs, editors, `sluice connect --schema`). */
  schemaOf(type: ConnectorType): Record<string, unknown> {
    return connectorConfigSchema(type, [...this.#registry.keys()]);
  }

  /**
   * Returns a validated copy of `input` with defaults filled in.
   * @throws ConnectorConfigError listing every problem.
   */
  validate(input: unknown, options: ValidateOptions = {}): ValidConfig {
    const problems: Problem[] = [];
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw this.#error([{ path: '', message: `must be an object (a mapping of fields), got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}` }], options, undefined);
    }
    const config = structuredClone(input) as Record<string, unknown>;
    const name = typeof config.name === 'string' ? config.name : undefined;
    const typeName = config.connector;
    const type = typeof typeName === 'string' ? this.#registry.get(typeName) : undefined;
    if (!type) {
      const known = [...this.#registry.keys()].join(', ');
      if (typeName !== undefined) {
        const hint = typeof typeName === 'string' ? didYouMean(typeName, this.#registry.keys()) : '';
        problems.push({ path: '/connector', message: typeof typeName === 'string' ? `unknown connector type "${typeName}"${hint || ` (known: ${known})`}` : `must be a string naming a connector type (known: ${known})` });
      }
      const validate = schemaValidator(commonOnlySchema([...this.#registry.keys()]));
      validate(config);
      problems.push(...toProblems(validate.errors ?? [], config).filter((p) => p.path !== '/connector' || typeName === undefined));
      problems.push(...this.#crossChecks(config as ValidConfig, undefined));
      throw this.#error(problems, options, name);
    }
    let validate = this.#validators.get(type.name);
    if (!validate) this.#validators.set(type.name, (validate = schemaValidator(this.schemaOf(type))));
    const schemaValid = validate(config);
    if (!schemaValid) problems.push(...toProblems(validate.errors ?? [], config, type));
    problems.push(...this.#crossChecks(config as ValidConfig, type));
    if (schemaValid && type.validate) problems.push(...type.validate(config as never));
    if (problems.length > 0) throw this.#error(problems, options, name);
    return config as ValidConfig;
  }

  /** Checks across fields, safe on configs that failed the schema (they only look at well-typed values). */
  #crossChecks(config: ValidConfig, type: ConnectorType | undefined): { path: string; message: string }[] {
    const problems: { path: string; message: string }[] = [];
    const transforms = Array.isArray(config.transforms) ? config.transforms : [];
    transforms.forEach((entry, i) => {
      const t = typeof entry === 'object' && entry !== null ? TRANSFORMS_BY_TYPE.get((entry as { type?: string }).type ?? '') : undefined;
      for (const p of t?.validate?.(entry) ?? []) problems.push({ path: `/transforms/${i}${p.path}`, message: p.message });
    });
    if (type?.kind === 'sink' && config.topic === undefined && config.topics === undefined) {
      problems.push({ path: '/topics', message: 'a sink needs "topics" (or "topic"): the topics to read' });
    }
    if (type?.kind === 'sink' && config.topic !== undefined && config.topics !== undefined) {
      problems.push({ path: '/topic', message: 'give either "topics" or "topic", not both' });
    }
    const dlq = config['errors.deadletterqueue.topic.name'];
    if (typeof dlq === 'string') {
      if (config['errors.tolerance'] !== 'all') {
        problems.push({ path: '/errors.deadletterqueue.topic.name', message: 'is only used with errors.tolerance "all" (failed records go there instead of failing the connector)' });
      }
      const own = [config.topic, ...(Array.isArray(config.topics) ? config.topics : typeof config.topics === 'string' ? config.topics.split(',') : [])];
      if (own.includes(dlq)) problems.push({ path: '/errors.deadletterqueue.topic.name', message: `must differ from the connector's own topic "${dlq}"` });
    }
    return problems;
  }

  #error(problems: Problem[], options: ValidateOptions, name: string | undefined): ConnectorConfigError {
    const located: ConfigProblemLocation[] = dedupe(problems).map(({ atKey, ...p }) => {
      const at = options.locate?.(p.path, atKey ? 'key' : 'value');
      return at ? { ...p, file: options.source, line: at.line, column: at.column } : p;
    });
    // In file order when located (stable: unlocated problems keep their place at the top).
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return new ConnectorConfigError(located, options.source, name);
  }
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Escapes a field name for a JSON Pointer. */
export function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns ajv's errors into problems with readable messages, the field named in the path. */
function toProblems(errors: readonly ErrorObject[], config: Record<string, unknown>, type?: ConnectorType): Problem[] {
  const out: Problem[] = [];
  for (const e of errors) {
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push({ path: `${e.instancePath}/${pointerSegment(String(p.missingProperty))}`, message: 'is required but missing' });
        break;
      case 'additionalProperties': {
        const field = String(p.additionalProperty);
        const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const near = closest(field, known);
        out.push({
          path: `${e.instancePath}/${pointerSegment(field)}`,
          message: `unknown field "${field}"${near ? ` (did you mean "${near}"?)` : e.instancePath === '' ? '' : ` (known: ${known.join(', ')})`}`,
          atKey: true,
        });
        break;
      }
      case 'pattern': {
        const value = valueAt(config, e.instancePath);
        const why = typeof value === 'string' ? type?.explainPattern?.(e.instancePath, value) : undefined;
        out.push({ path: e.instancePath, message: why ?? e.message ?? 'does not match its pattern' });
        break;
      }
      case 'enum': {
        const value = valueAt(config, e.instancePath);
        const near = typeof value === 'string' ? didYouMean(value, (p.allowedValues as unknown[]).map(String)) : '';
        out.push({ path: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}${near}` });
        break;
      }
      case 'const':
        out.push({ path: e.instancePath, message: `must be ${JSON.stringify(p.allowedValue)}` });
        break;
      case 'type': {
        const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
        out.push({ path: e.instancePath, message: `must be ${types.map(article).join(' or ')}, got ${describe(valueAt(config, e.instancePath))}` });
        break;
      }
      case 'discriminator':
        if (p.error === 'mapping') {
          const hint = typeof p.tagValue === 'string' ? didYouMean(p.tagValue, TRANSFORMS_BY_TYPE.keys()) : '';
          out.push({ path: `${e.instancePath}/type`, message: `unknown transform type ${JSON.stringify(p.tagValue)}${hint || ` (known: ${[...TRANSFORMS_BY_TYPE.keys()].join(', ')})`}` });
        } else if (valueAt(config, `${e.instancePath}/type`) !== undefined) {
          out.push({ path: `${e.instancePath}/type`, message: `must be a string naming a transform type (known: ${[...TRANSFORMS_BY_TYPE.keys()].join(', ')})` });
        }
        break;
      default:
        out.push({ path: e.instancePath, message: e.message ?? e.keyword });
    }
  }
  return out;
}

function article(type: string): string {
  if (type === 'integer') return 'an integer';
  if (type === 'array') return 'an array';
  if (type === 'object') return 'an object';
  if (type === 'null') return 'null';
  return `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The value at a JSON Pointer in `root` (for messages). */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
