/**
 * Kafka Connect's REST entities (`org.apache.kafka.connect.runtime.rest.entities`) built from our
 * connector statuses and configs. A sluice connector runs as one task (task 0), so each has one
 * task while it is not stopped (a stopped connector has none, as in Kafka). States map as:
 * starting → UNASSIGNED, running → RUNNING, paused → PAUSED, failed → FAILED, stopped → STOPPED.
 *
 *   ConnectorStateInfo  { name, connector: { state, worker_id, trace? }, tasks: [{ id, state, worker_id, trace? }], type }
 *   ConnectorInfo       { name, config, tasks: [{ connector, task }], type }
 *   TaskInfo            { id: { connector, task }, config }
 *   ServerInfo          { version, commit, kafka_cluster_id }
 *
 * Config values keep their JSON types (numbers, lists, transforms as objects) where Kafka has
 * strings; string values are accepted on the way in (see `kafka-config.ts`).
 */
import type { ConnectorState, ConnectorStatus } from '../../connectors/index.js';

export type KafkaState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'STOPPED' | 'RESTARTING';

const STATES: Record<ConnectorState, KafkaState> = { starting: 'UNASSIGNED', running: 'RUNNING', paused: 'PAUSED', failed: 'FAILED', stopped: 'STOPPED' };

export interface TaskState {
  id: number;
  state: KafkaState;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStateInfo {
  name: string;
  connector: { state: KafkaState; worker_id: string; trace?: string };
  tasks: TaskState[];
  type: 'source' | 'sink';
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, unknown>;
  tasks: { connector: string; task: number }[];
  type: 'source' | 'sink';
}

/** Kafka's `trace`: the error with its causes (stack when there is one). */
function trace(error: Error | undefined): string | undefined {
  if (!error) return undefined;
  const lines: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) lines.push(lines.length === 0 ? (e.stack ?? e.message) : `Caused by: ${e.stack ?? e.message}`);
  return lines.join('\n');
}

export function kafkaState(s: ConnectorStatus): KafkaState {
  return STATES[s.state];
}

/** `GET /connectors/{name}/status`. `restarting`: the states a restart request answers with. */
export function connectorStateInfo(s: ConnectorStatus, workerId: string, restarting: { connector: boolean; task: boolean } = { connector: false, task: false }): ConnectorStateInfo {
  const state = kafkaState(s);
  const t = trace(s.state === 'failed' ? s.error : undefined);
  return {
    name: s.name,
    connector: { state: restarting.connector ? 'RESTARTING' : state, worker_id: workerId, ...(t && !restarting.connector ? { trace: t } : {}) },
    tasks: s.state === 'stopped' ? [] : [{ id: 0, state: restarting.task ? 'RESTARTING' : state, worker_id: workerId, ...(t && !restarting.task ? { trace: t } : {}) }],
    type: s.kind,
  };
}

/** `GET /connectors/{name}/tasks/{id}/status`. */
export function taskState(s: ConnectorStatus, workerId: string): TaskState | undefined {
  return connectorStateInfo(s, workerId).tasks[0];
}

/** `GET /connectors/{name}` (and the answer to a create or config update). */
export function connectorInfo(s: ConnectorStatus, config: Record<string, unknown>): ConnectorInfo {
  return { name: s.name, config, tasks: s.state === 'stopped' ? [] : [{ connector: s.name, task: 0 }], type: s.kind };
}

/** `GET /connectors/{name}/tasks`. */
export function taskInfos(s: ConnectorStatus, config: Record<string, unknown>): { id: { connector: string; task: number }; config: Record<string, unknown> }[] {
  return s.state === 'stopped' ? [] : [{ id: { connector: s.name, task: 0 }, config }];
}

/** sluice's own figures for a connector (not in Kafka's API; `GET /connectors/{name}/progress`, `?expand=progress`). */
export function progress(s: ConnectorStatus): Record<string, unknown> {
  return {
    records_in: s.recordsIn,
    records_out: s.recordsOut,
    records_filtered: s.recordsFiltered,
    records_failed: s.recordsFailed,
    ...(s.lag === undefined ? {} : { lag: s.lag }),
    idle: s.idle,
    ...(s.retrying ? { retrying: { attempt: s.retrying.attempt, error: s.retrying.error.message, since_ms: s.retrying.sinceMs } } : {}),
    ...(s.error ? { error: s.error.message } : {}),
  };
}
