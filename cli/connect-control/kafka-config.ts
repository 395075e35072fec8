/**
 * Reads a connector config as Kafka Connect clients send it — a flat map of strings
 * (`"tasks.max": "1"`, `"connector.class": "file-sink"`, `"file.rotate.bytes": "1048576"`) — into
 * ours: `connector.class` names the connector type (our `connector`), `tasks.max` is accepted and
 * dropped (a sluice connector runs as one task), and a string where the type's JSON Schema wants a
 * number, an integer or a boolean is converted when it spells one. Everything else is left for the
 * schema validation to judge, so its errors name the fields as given.
 */
import type { ConnectRuntime } from '../../connectors/index.js';
import { HttpError } from './http-error.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema> };

/** The JSON types a field's schema accepts (none known: `[]`). */
function typesOf(schema: Schema | undefined): string[] {
  if (!schema?.type) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

function convert(value: string, types: readonly string[]): unknown {
  if (types.includes('string')) return value;
  const t = value.trim();
  if (types.includes('boolean') && (t === 'true' || t === 'false')) return t === 'true';
  if ((types.includes('integer') || types.includes('number')) && t !== '' && Number.isFinite(Number(t))) {
    const n = Number(t);
    if (types.includes('number') || Number.isInteger(n)) return n;
  }
  return value;
}

/**
 * Our config from a Kafka Connect style one (a copy; `input` is not changed).
 * @throws HttpError 400 when the body is not a JSON object, or `connector.class` and `connector` disagree.
 */
export function fromKafkaConfig(input: unknown, runtime: Pick<ConnectRuntime, 'validator' | 'registry'>, what = 'the connector config'): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, `${what} must be a JSON object`);
  const config: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const cls = config['connector.class'];
  if (cls !== undefined) {
    if (config.connector !== undefined && config.connector !== cls) throw new HttpError(400, `"connector.class" (${String(cls)}) and "connector" (${String(config.connector)}) name different connector types`);
    config.connector = cls;
    delete config['connector.class'];
  }
  delete config['tasks.max'];
  const type = typeof config.connector === 'string' ? runtime.registry.get(config.connector) : undefined;
  if (!type) return config;
  const properties = (runtime.validator.schemaOf(type) as Schema).properties ?? {};
  for (const [field, value] of Object.entries(config)) {
    if (typeof value === 'string') config[field] = convert(value, typesOf(properties[field]));
  }
  return config;
}
