/** Connector types whose behaviour tests control: a sink that can block, fail or reject, and a source fed by the test. */
import type { SinkConnectorType, SinkRecord, SourceConnectorType, SourceRecord } from '../../../connectors/connector.js';
import { RecordsRejectedError } from '../../../connectors/errors.js';
import { UnreachableError } from '../../../connectors/retry-policy.js';

export interface ControlledSink {
  type: SinkConnectorType;
  /** Batches acknowledged, in order. */
  acknowledged: SinkRecord[][];
  /** `put` calls, including failed ones. */
  calls: number;
  /** The next `put`s fail with a retriable error this many times. */
  unreachableTimes: number;
  /** While set, `put` waits for it (a slow destination). */
  gate: Promise<void> | null;
  /** Records for which this is true are rejected by the destination. */
  reject: (record: SinkRecord) => boolean;
  /** `put` throws this (not retriable) when set. */
  fatal: Error | null;
  /** The task context's `fail`, once started (fails the connector from outside `put`). */
  fail: ((error: Error) => void) | null;
}

/** `name`: the connector type's name (another one, to run a second such sink beside the first). */
export function controlledSink(name = 'test-sink'): ControlledSink {
  const sink: ControlledSink = {
    acknowledged: [],
    calls: 0,
    unreachableTimes: 0,
    gate: null,
    reject: () => false,
    fatal: null,
    fail: null,
    type: {
      name,
      kind: 'sink',
      description: 'A sink the test controls.',
      configSchema: { properties: { 'test.label': { type: 'string', description: 'Unused.', examples: ['x'] } }, required: [] },
      createTask: () => ({
        async start(context) {
          sink.fail = context.fail ?? null;
        },
        async put(records) {
          sink.calls++;
          if (sink.fatal) throw sink.fatal;
          if (sink.unreachableTimes > 0) {
            sink.unreachableTimes--;
            throw new UnreachableError('destination is down');
          }
          if (sink.gate) await sink.gate;
          const rejected = records.filter(sink.reject);
          sink.acknowledged.push(records.filter((r) => !sink.reject(r)));
          if (rejected.length > 0) throw new RecordsRejectedError(rejected.map((record) => ({ record, error: new Error(`refused ${String(record.value)}`) })));
        },
        async stop() {},
      }),
    },
  };
  return sink;
}

export interface ControlledSource {
  type: SourceConnectorType;
  /** Records the next polls return, one batch each. */
  batches: SourceRecord[][];
  /** Batches acknowledged by the runtime. */
  acknowledged: SourceRecord[][];
  /** Positions the task was started with. */
  startedWith: Map<string, unknown>[];
  /** The next polls fail with a retriable error this many times. */
  unreachableTimes: number;
  polls: number;
  /** The task context's `fail`, once started (fails the connector from outside `poll`). */
  fail: ((error: Error) => void) | null;
}

/** `name`: the connector type's name (another one, to run a second such source beside the first). */
export function controlledSource(name = 'test-source'): ControlledSource {
  const source: ControlledSource = {
    batches: [],
    acknowledged: [],
    startedWith: [],
    unreachableTimes: 0,
    polls: 0,
    fail: null,
    type: {
      name,
      kind: 'source',
      description: 'A source the test feeds.',
      configSchema: { properties: {}, required: [] },
      createTask: () => ({
        async start(context) {
          source.startedWith.push(new Map(context.positions));
          source.fail = context.fail ?? null;
        },
        async poll(signal) {
          source.polls++;
          if (source.unreachableTimes > 0) {
            source.unreachableTimes--;
            throw new UnreachableError('source is down');
          }
          const batch = source.batches.shift();
          if (batch) return batch;
          await new Promise((r) => setTimeout(r, 20));
          void signal;
          return [];
        },
        async acknowledge(records) {
          source.acknowledged.push([...records]);
        },
        async stop() {},
      }),
    },
  };
  return source;
}
