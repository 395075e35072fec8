/**
 * `/connectors…` of Kafka Connect's REST API (its `ConnectorsResource`) over a `ConnectRuntime`:
 *
 *   GET    /connectors[?expand=status&expand=info]   names, or { name: { status, info } }
 *   POST   /connectors                               { name, config, initial_state? } → 201 ConnectorInfo (409 if it exists)
 *   GET    /connectors/{name}                        ConnectorInfo
 *   DELETE /connectors/{name}                        204: stopped gracefully and forgotten
 *   GET    /connectors/{name}/config                 the config as given
 *   PUT    /connectors/{name}/config                 create (201) or replace and restart (200; a stopped one stays stopped)
 *   PATCH  /connectors/{name}/config                 merge (null removes a field) and restart (200)
 *   GET    /connectors/{name}/status                 ConnectorStateInfo
 *   GET    /connectors/{name}/tasks                  [TaskInfo]
 *   GET    /connectors/{name}/tasks/0/status         TaskState
 *   POST   /connectors/{name}/tasks/0/restart        204
 *   PUT    /connectors/{name}/pause | resume | stop  202 | 202 | 204 (resume also starts a stopped one)
 *   POST   /connectors/{name}/restart[?includeTasks=&onlyFailed=]  204, or 202 with RESTARTING states
 *   GET    /connectors/{name}/topics                 { name: { topics } }
 *   GET    /connectors/{name}/offsets                { offsets: [{ partition, offset }] }
 *   PATCH  /connectors/{name}/offsets                { offsets } → 200 { message } (connector STOPPED)
 *   DELETE /connectors/{name}/offsets                200 { message }: forgotten (connector STOPPED)
 *   GET    /connectors/{name}/progress               sluice's counters (not Kafka's; also ?expand=progress)
 *
 * Changes to one connector run one at a time (`KeyedLock`); reads never wait.
 */
import type { ConnectRuntime } from '../../connectors/index.js';
import { sinkTopics } from '../../connectors/runtime/topics.js';
import type { ApiReply, ApiRequest } from './api-request.js';
import { HttpError } from './http-error.js';
import { connectorInfo, connectorStateInfo, progress, taskInfos, taskState } from './kafka-connect-entities.js';
import { fromKafkaConfig } from './kafka-config.js';
import { KeyedLock } from './keyed-lock.js';

/** Kafka's check that a config's `name` agrees with the connector's. */
function withName(config: Record<string, unknown>, name: string): Record<string, unknown> {
  if (config.name !== undefined && config.name !== name) {
    throw new HttpError(400, `Connector name configuration (${String(config.name)}) doesn't match connector name in the URL (${name})`);
  }
  return { ...config, name };
}

function booleanParam(query: URLSearchParams, key: string): boolean {
  const v = query.get(key);
  if (v === null) return false;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new HttpError(400, `query parameter ${key} must be true or false, got ${JSON.stringify(v)}`);
}

export class ConnectorsResource {
  readonly #runtime: ConnectRuntime;
  readonly #workerId: string;
  readonly #lock = new KeyedLock();

  /** `workerId`: the `host:port` Kafka shows as `worker_id`. */
  constructor(runtime: ConnectRuntime, workerId: string) {
    this.#runtime = runtime;
    this.#workerId = workerId;
  }

  /** Answers a request under `/connectors`; null when the path is not one of these. */
  async handle(req: ApiRequest): Promise<ApiReply | null> {
    const [, name, action, ...rest] = req.parts;
    const m = req.method;
    if (name === undefined) {
      if (m === 'GET') return { status: 200, body: this.#list(req.query.getAll('expand')) };
      if (m === 'POST') return this.#create(await req.body());
      return null;
    }
    const key = `${m} ${action ?? ''}${rest.length ? `/${rest.join('/')}` : ''}`;
    switch (key) {
      case 'GET ':
        return { status: 200, body: this.#info(name) };
      case 'DELETE ':
        this.#runtime.status(name);
        await this.#lock.run(name, () => this.#runtime.remove(name));
        return { status: 204 };
      case 'GET config':
        return { status: 200, body: this.#runtime.config(name) };
      case 'PUT config':
        return this.#putConfig(name, await req.body());
      case 'PATCH config':
        return this.#patchConfig(name, await req.body());
      case 'GET status':
        return { status: 200, body: connectorStateInfo(this.#runtime.status(name), this.#workerId) };
      case 'GET tasks': {
        const s = this.#runtime.status(name);
        return { status: 200, body: taskInfos(s, this.#runtime.config(name)) };
      }
      case 'PUT pause':
        await this.#lock.run(name, async () => this.#runtime.pause(name));
        return { status: 202 };
      case 'PUT resume':
        await this.#lock.run(name, async () => {
          if (this.#runtime.status(name).state === 'stopped') await this.#runtime.restart(name).catch(() => {});
          else this.#runtime.resume(name);
        });
        return { status: 202 };
      case 'PUT stop':
        await this.#lock.run(name, () => this.#runtime.stop(name));
        return { status: 204 };
      case 'POST restart':
        return this.#restart(name, booleanParam(req.query, 'includeTasks'), booleanParam(req.query, 'onlyFailed'));
      case 'GET topics': {
        const config = this.#runtime.config(name);
        const s = this.#runtime.status(name);
        const topics = s.kind === 'sink' ? sinkTopics(config as { topic?: string; topics?: string | string[] }) : typeof config.topic === 'string' ? [config.topic] : [];
        return { status: 200, body: { [name]: { topics } } };
      }
      case 'GET offsets':
        return { status: 200, body: await this.#runtime.offsets(name) };
      case 'PATCH offsets': {
        const body = (await req.body()) as { offsets?: unknown } | null;
        const offsets = typeof body === 'object' && body !== null && Array.isArray(body.offsets) ? body.offsets : undefined;
        if (!offsets) throw new HttpError(400, 'PATCH …/offsets takes {"offsets": [{"partition": {…}, "offset": {…}}, …]}');
        await this.#lock.run(name, () => this.#runtime.setOffsets(name, offsets));
        return { status: 200, body: { message: 'The offsets for this connector have been altered successfully' } };
      }
      case 'DELETE offsets':
        await this.#lock.run(name, () => this.#runtime.setOffsets(name, null));
        return { status: 200, body: { message: 'The offsets for this connector have been reset successfully' } };
      case 'GET progress':
        return { status: 200, body: progress(this.#runtime.status(name)) };
    }
    if (action === 'tasks' && rest.length === 2 && ((m === 'GET' && rest[1] === 'status') || (m === 'POST' && rest[1] === 'restart'))) {
      const s = this.#runtime.status(name);
      const task = s.state === 'stopped' || rest[0] !== '0' ? undefined : taskState(s, this.#workerId);
      if (!task) throw new HttpError(404, `No status found for task ${name}-${rest[0]}`);
      if (m === 'GET') return { status: 200, body: task };
      await this.#lock.run(name, () => this.#runtime.restart(name).catch(() => {}));
      return { status: 204 };
    }
    return null;
  }

  #list(expand: string[]): unknown {
    const statuses = this.#runtime.statuses();
    if (expand.length === 0) return statuses.map((s) => s.name);
    return Object.fromEntries(
      statuses.map((s) => [
        s.name,
        {
          ...(expand.includes('status') ? { status: connectorStateInfo(s, this.#workerId) } : {}),
          ...(expand.includes('info') ? { info: connectorInfo(s, this.#runtime.config(s.name)) } : {}),
          ...(expand.includes('progress') ? { progress: progress(s) } : {}),
        },
      ]),
    );
  }

  #info(name: string): unknown {
    return connectorInfo(this.#runtime.status(name), this.#runtime.config(name));
  }

  #exists(name: string): boolean {
    return this.#runtime.statuses().some((s) => s.name === name);
  }

  async #create(body: unknown): Promise<ApiReply> {
    const request = body as { name?: unknown; config?: unknown; initial_state?: unknown } | null;
    if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof request.config !== 'object' || request.config === null) {
      throw new HttpError(400, 'POST /connectors takes {"name": "<name>", "config": {…}} (Kafka Connect\'s CreateConnectorRequest)');
    }
    const name = typeof request.name === 'string' ? request.name.trim() : '';
    if (name === '') throw new HttpError(400, 'a connector needs a "name"');
    const initial = request.initial_state ?? 'RUNNING';
    if (initial !== 'RUNNING' && initial !== 'STOPPED') {
      throw new HttpError(400, `initial_state ${JSON.stringify(initial)} is not supported: give RUNNING (the default) or STOPPED (sluice cannot create a connector PAUSED without running it first)`);
    }
    const config = withName(fromKafkaConfig(request.config, this.#runtime), name);
    return this.#lock.run(name, async () => {
      if (this.#exists(name)) throw new HttpError(409, `Connector ${name} already exists`);
      if (initial === 'STOPPED') this.#runtime.addStopped(config, { source: `connector ${name}` });
      else await this.#start(config);
      return { status: 201, body: this.#info(name), headers: { location: `/connectors/${encodeURIComponent(name)}` } };
    });
  }

  /** Starts `config`; a connector that fails after validation stays, FAILED, as in Kafka. */
  async #start(config: Record<string, unknown>): Promise<void> {
    const name = config.name as string;
    await this.#runtime.start(config, { source: `connector ${name}` }).catch((error: unknown) => {
      if (!this.#exists(name)) throw error;
    });
  }

  async #putConfig(name: string, body: unknown): Promise<ApiReply> {
    const config = withName(fromKafkaConfig(body, this.#runtime), name);
    return this.#lock.run(name, async () => {
      const existed = this.#exists(name);
      // As in Kafka, a stopped connector stays stopped with its new config.
      const stopped = existed && this.#runtime.status(name).state === 'stopped';
      if (existed) {
        this.#runtime.validator.validate(config, { source: `connector ${name}` });
        await this.#runtime.remove(name);
      }
      if (stopped) this.#runtime.addStopped(config, { source: `connector ${name}` });
      else await this.#start(config);
      return { status: existed ? 200 : 201, body: this.#info(name), ...(existed ? {} : { headers: { location: `/connectors/${encodeURIComponent(name)}` } }) };
    });
  }

  async #patchConfig(name: string, body: unknown): Promise<ApiReply> {
    const patch = fromKafkaConfig(body, this.#runtime, 'the config patch');
    const merged: Record<string, unknown> = { ...this.#runtime.config(name) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return this.#putConfig(name, merged);
  }

  async #restart(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<ApiReply> {
    const s = this.#runtime.status(name);
    if (!includeTasks && !onlyFailed) {
      if (s.state !== 'stopped') await this.#lock.run(name, () => this.#runtime.restart(name).catch(() => {}));
      return { status: 204 };
    }
    const restart = s.state !== 'stopped' && (!onlyFailed || s.state === 'failed');
    const answer = connectorStateInfo(s, this.#workerId, { connector: restart, task: restart && includeTasks });
    // Kafka answers at once with the instances to restart marked RESTARTING; the restart follows.
    if (restart) void this.#lock.run(name, () => this.#runtime.restart(name).catch(() => {}));
    return { status: 202, body: answer };
  }
}
