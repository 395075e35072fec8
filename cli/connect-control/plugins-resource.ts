/**
 * `GET /` and `/connector-plugins…` of Kafka Connect's REST API (its `RootResource` and
 * `ConnectorPluginsResource`):
 *
 *   GET /                                          { version, commit, kafka_cluster_id }
 *   GET /connector-plugins[?connectorsOnly=false]  [{ class, type, version }] (transforms and converters too)
 *   GET /connector-plugins/{type}/config           [ConfigKeyInfo]
 *   PUT /connector-plugins/{type}/config/validate  ConfigInfos (200 also when the config has errors)
 *
 * A plugin's `class` is our connector type name (`file-sink`), which is also what `connector.class`
 * takes in a config.
 */
import { CONVERTER_NAMES, TRANSFORM_TYPES, type ConnectRuntime, type ConnectorType } from '../../connectors/index.js';
import { didYouMean } from '../../connectors/config/suggest.js';
import { packageVersion } from '../package-version.js';
import type { ApiReply, ApiRequest } from './api-request.js';
import { validateToConfigInfos } from './config-infos.js';
import { HttpError } from './http-error.js';
import { fromKafkaConfig } from './kafka-config.js';

export class PluginsResource {
  readonly #runtime: ConnectRuntime;
  readonly #version = packageVersion();

  constructor(runtime: ConnectRuntime) {
    this.#runtime = runtime;
  }

  /** Answers `GET /` and requests under `/connector-plugins`; null for other paths. */
  async handle(req: ApiRequest): Promise<ApiReply | null> {
    const [root, type, config, validate, ...more] = req.parts;
    if (root === undefined) return req.method === 'GET' ? { status: 200, body: { version: this.#version, commit: 'sluice', kafka_cluster_id: 'sluice' } } : null;
    if (type === undefined) return req.method === 'GET' ? { status: 200, body: this.#plugins(req.query.get('connectorsOnly') !== 'false') } : null;
    if (config !== 'config' || more.length > 0) return null;
    if (validate === undefined && req.method === 'GET') {
      return { status: 200, body: validateToConfigInfos(this.#runtime, this.#type(type), {}).configs.map((c) => c.definition) };
    }
    if (validate === 'validate' && req.method === 'PUT') {
      const t = this.#type(type);
      const body = await req.body();
      const included = (body as Record<string, unknown> | null)?.['connector.class'] ?? (body as Record<string, unknown> | null)?.connector;
      if (included !== undefined && included !== t.name) throw new HttpError(400, `Included connector type ${String(included)} does not match request type ${type}`);
      const given = fromKafkaConfig(body, this.#runtime);
      return { status: 200, body: validateToConfigInfos(this.#runtime, t, { ...given, connector: t.name }) };
    }
    return null;
  }

  #type(name: string): ConnectorType {
    const t = this.#runtime.registry.get(name);
    if (t) return t;
    const known = [...this.#runtime.registry.keys()];
    throw new HttpError(404, `no connector plugin named "${name}"${didYouMean(name, known)} (known: ${known.join(', ')})`);
  }

  #plugins(connectorsOnly: boolean): { class: string; type: string; version: string }[] {
    const out = [...this.#runtime.registry.values()].map((t) => ({ class: t.name, type: t.kind, version: this.#version }));
    if (connectorsOnly) return out;
    return [
      ...out,
      ...TRANSFORM_TYPES.map((t) => ({ class: t.type, type: 'transformation', version: this.#version })),
      ...CONVERTER_NAMES.map((c) => ({ class: c, type: 'converter', version: this.#version })),
    ];
  }
}
