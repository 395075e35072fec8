/**
 * Sinks: the operators at the end of a branch that write records to a topic (an output topic or
 * a repartition topic alike; the producer picks the partition from the key). A sink completes
 * only when every record it received was acknowledged, so a batch's completion means its output
 * is in the log — in exactly-once mode, in the task's open transaction.
 */
import { Observable } from 'rxjs';
import { keepFieldsTagged, recordBytes, SerializationError } from '../../core/index.js';
import type { AnyRecord, AnySerde, StreamPartitioner } from '../topology/nodes.js';
import type { OutputRecord, TaskEnvironment } from './task-environment.js';

/** Records sent per `send` while a batch is still running. */
const CHUNK_RECORDS = 1000;

export interface SinkTarget {
  topic: string;
  keySerde: AnySerde;
  valueSerde: AnySerde;
  partitioner?: StreamPartitioner;
  /** A repartition topic (created, with its partition count, before the first batch). */
  repartition: boolean;
  /** Known, after `TaskProcessor.prepare`, when `partitioner` is set and for repartition topics. */
  partitionCount?: number;
}

export function serialize(serde: AnySerde, value: unknown, what: string): Uint8Array | string | null {
  if (value === null || value === undefined) return null;
  let out: unknown;
  try {
    out = serde.serialize(value);
  } catch (err) {
    throw new SerializationError(`${what}: ${(err as Error).message}`, { cause: err });
  }
  if (out !== null && typeof out !== 'string' && !(out instanceof Uint8Array)) {
    throw new SerializationError(`${what}: the serde returned a ${typeof out}, not bytes or a string; set a serde for this type`);
  }
  return out as Uint8Array | string | null;
}

/** What serialization errors name, built once per sink rather than per record. */
interface Described {
  key: string;
  value: string;
}

const describe = (target: SinkTarget): Described => ({ key: `key of a record for topic "${target.topic}"`, value: `value of a record for topic "${target.topic}"` });

// The shape of `toOutput`'s records, its timestamp kept tagged (see `core/tagged-fields.ts`).
keepFieldsTagged({ topic: null, key: null, value: null, headers: null, timestamp: null });

function toOutput(target: SinkTarget, what: Described, r: AnyRecord): OutputRecord {
  // The shape of the sample above: keep the two in step.
  const out: OutputRecord = {
    topic: target.topic,
    key: serialize(target.keySerde, r.key, what.key),
    value: serialize(target.valueSerde, r.value, what.value),
    headers: r.headers,
    timestamp: r.timestamp,
  };
  if (target.partitioner !== undefined) out.partition = target.partitioner(r.key, r.value, target.partitionCount!, r);
  return out;
}

/** Writes every record to `target.topic`; completes (emitting nothing) once all are acknowledged. */
export function sink(target: SinkTarget, env: TaskEnvironment) {
  const what = describe(target);
  return (source: Observable<AnyRecord>): Observable<never> =>
    new Observable<never>((subscriber) => {
      // A repartition topic's records also go as they are (key and value objects) to the runtime,
      // which may hand them to an in-process reader (see `RecordCollector.sendRepartition`).
      const sendRepartition = target.repartition ? env.collector.sendRepartition : undefined;
      // Sized for a chunk at its first record, filled by index and cut to length at a flush: grown
      // by `push`, they were copied about ten times per chunk.
      let buffer: OutputRecord[] = [];
      let decoded: AnyRecord[] = [];
      let count = 0;
      const sends: Promise<void>[] = [];
      const observed = env.observer?.recordsOut !== undefined;
      const chunks: OutputRecord[][] = [];
      let sent = 0;
      const flush = (): void => {
        if (count === 0) return;
        const records = buffer;
        records.length = count;
        sent += count;
        // Kept (until the batch completes) only for an observer counting bytes.
        if (observed) chunks.push(records);
        let p: Promise<void>;
        if (sendRepartition === undefined) p = env.collector.send(target.topic, records);
        else {
          decoded.length = count;
          p = sendRepartition.call(env.collector, target.topic, records, decoded);
        }
        buffer = [];
        decoded = [];
        count = 0;
        p.catch((err) => subscriber.error(err));
        sends.push(p);
      };
      return source.subscribe({
        next(r) {
          let out: OutputRecord;
          try {
            out = toOutput(target, what, r);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (count === 0) {
            buffer = new Array<OutputRecord>(CHUNK_RECORDS);
            if (sendRepartition !== undefined) decoded = new Array<AnyRecord>(CHUNK_RECORDS);
          }
          buffer[count] = out;
          if (sendRepartition !== undefined) decoded[count] = r;
          if (++count >= CHUNK_RECORDS) flush();
        },
        error: (err) => subscriber.error(err),
        complete() {
          flush();
          Promise.all(sends).then(() => {
            if (sent > 0) env.observer?.recordsOut?.(env.taskId, target.topic, sent, () => chunks.reduce((n, c) => n + recordBytes(c), 0));
            subscriber.complete();
          }, (err) => subscriber.error(err));
        },
      });
    });
}
