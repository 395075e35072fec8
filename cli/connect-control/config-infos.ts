/**
 * `PUT /connector-plugins/{type}/config/validate`: our ajv validation in Kafka Connect's
 * `ConfigInfos` shape — one `{ definition, value }` per field of the type's JSON Schema (the
 * common fields in group "Common", the type's own in a group named after it), each value with the
 * errors found for that field; fields the schema does not know come last, in group "Unknown", with
 * their "unknown field" error. `error_count` counts every error.
 *
 *   { "name": "file-sink", "error_count": 1, "groups": ["Common", "file-sink"],
 *     "configs": [ { "definition": { "name": "topics", "type": "LIST", "required": false,
 *                    "default_value": null, "importance": "MEDIUM", "documentation": "…",
 *                    "group": "Common", "order_in_group": 2, "width": "NONE",
 *                    "display_name": "topics", "dependents": [] },
 *                  "value": { "name": "topics", "value": null, "recommended_values": [],
 *                             "errors": ["a sink needs \"topics\" …"], "visible": true } }, … ] }
 */
import { ConnectorConfigError, type ConnectorType, type ConnectRuntime } from '../../connectors/index.js';
import { commonProperties } from '../../connectors/config/common-schema.js';

interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
}

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: 'HIGH' | 'MEDIUM' | 'LOW';
  documentation: string;
  group: string;
  order_in_group: number;
  width: 'NONE';
  display_name: string;
  dependents: string[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: ConfigKeyInfo; value: ConfigValueInfo }[];
}

/** Kafka's `ConfigDef.Type` name for a JSON Schema field. */
function kafkaType(s: FieldSchema): string {
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('array')) return 'LIST';
  if (types.includes('string') || s.enum || s.const !== undefined) return 'STRING';
  if (types.includes('integer')) return 'LONG';
  if (types.includes('number')) return 'DOUBLE';
  if (types.includes('boolean')) return 'BOOLEAN';
  return 'STRING';
}

/** A config value as Kafka shows it: a string (JSON for lists and objects), null when not set. */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The field a JSON Pointer problem path is about (`/transforms/0/type` → `transforms`). */
function fieldOf(path: string): string {
  const first = path.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Validates `config` (already read by `fromKafkaConfig`) for connector `type`. */
export function validateToConfigInfos(runtime: Pick<ConnectRuntime, 'validator' | 'registry'>, type: ConnectorType, config: Record<string, unknown>): ConfigInfos {
  const errors = new Map<string, string[]>();
  let errorCount = 0;
  try {
    runtime.validator.validate(config);
  } catch (error) {
    if (!(error instanceof ConnectorConfigError)) throw error;
    for (const p of error.problems) {
      const field = fieldOf(p.path) || 'name';
      const sub = p.path.split('/').length > 2 ? `${p.path}: ` : '';
      errors.set(field, [...(errors.get(field) ?? []), `${sub}${p.message}`]);
      errorCount += 1;
    }
  }
  const schema = runtime.validator.schemaOf(type) as { properties?: Record<string, FieldSchema>; required?: string[] };
  const common = new Set(Object.keys(commonProperties(type.kind, [...runtime.registry.keys()])));
  const required = new Set(schema.required ?? []);
  const order = new Map<string, number>();
  const configs: ConfigInfos['configs'] = [];
  const add = (name: string, field: FieldSchema, group: string): void => {
    const orderInGroup = (order.get(group) ?? 0) + 1;
    order.set(group, orderInGroup);
    configs.push({
      definition: {
        name,
        type: kafkaType(field),
        required: required.has(name),
        default_value: text(field.default),
        importance: required.has(name) ? 'HIGH' : group === 'Common' ? 'MEDIUM' : 'LOW',
        documentation: field.description ?? '',
        group,
        order_in_group: orderInGroup,
        width: 'NONE',
        display_name: name,
        dependents: [],
      },
      value: {
        name,
        value: text(config[name]),
        recommended_values: (field.enum ?? (field.const !== undefined ? [field.const] : [])).map((v) => String(v)),
        errors: errors.get(name) ?? [],
        visible: true,
      },
    });
  };
  const properties = Object.entries(schema.properties ?? {});
  for (const [name, field] of properties) if (common.has(name)) add(name, field, 'Common');
  for (const [name, field] of properties) if (!common.has(name)) add(name, field, type.name);
  for (const name of errors.keys()) if (!schema.properties?.[name]) add(name, { type: 'string', description: `not a field of ${type.name}` }, 'Unknown');
  const groups = [...order.keys()];
  return { name: type.name, error_count: errorCount, groups, configs };
}
