/**
 * The `sources` and `sinks` of a pipeline: each entry is validated by the connectors' own
 * `ConfigValidator` — the same checks, defaults and messages as a standalone config for
 * `sluice connect` — with its problems located in the pipeline file. Then what only a pipeline
 * knows: a sink listed as a source (or the reverse), and names used twice.
 */
import { ConfigValidator, ConnectorConfigError, type ConnectorRegistry } from '../connectors/index.js';
import type { ConnectorSpec } from './pipeline.js';
import type { Problems } from './problems.js';

export interface CheckedConnectors {
  sources: ConnectorSpec[];
  sinks: ConnectorSpec[];
}

/** Validates every connector entry of `data`; problems go to `problems`. */
/** One validator per registry: it caches its compiled schemas (ajv compiles are the slow part). */
const validators = new WeakMap<ConnectorRegistry, ConfigValidator>();

export function checkConnectors(data: Record<string, unknown>, registry: ConnectorRegistry, problems: Problems): CheckedConnectors {
  let validator = validators.get(registry);
  if (validator === undefined) validators.set(registry, (validator = new ConfigValidator(registry)));
  const out: CheckedConnectors = { sources: [], sinks: [] };
  const names = new Map<string, string>();
  for (const [kind, section] of [
    ['source', 'sources'],
    ['sink', 'sinks'],
  ] as const) {
    const entries = Array.isArray(data[section]) ? (data[section] as unknown[]) : [];
    entries.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return; // the schema reported it
      const base = `/${section}/${i}`;
      const record = entry as Record<string, unknown>;
      const type = typeof record.connector === 'string' ? registry.get(record.connector) : undefined;
      if (type && type.kind !== kind) {
        problems.add(`${base}/connector`, `"${type.name}" is a ${type.kind} connector: list it under ${type.kind}s, not ${section}`);
      }
      if (typeof record.name === 'string') {
        const other = names.get(record.name);
        if (other !== undefined) problems.add(`${base}/name`, `another connector is already named "${record.name}" (${other})`);
        else names.set(record.name, `${section}[${i}]`);
      }
      try {
        const config = validator.validate(entry, {
          source: problems.map.file,
          locate: (pointer, where) => {
            const { line, column } = problems.map.locate(base + pointer, where);
            return { line, column };
          },
        });
        out[section].push({ config, at: problems.map.locate(base) });
      } catch (error) {
        if (!(error instanceof ConnectorConfigError)) throw error;
        for (const p of error.problems) {
          const pointer = base + p.path;
          problems.add(pointer, p.message, p.line !== undefined ? { file: problems.map.file, line: p.line, column: p.column ?? 1 } : 'value');
        }
      }
    });
  }
  return out;
}
