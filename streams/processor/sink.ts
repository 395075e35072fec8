/**
 * Sinks: the operators at the end of a branch that write records to a topic. A sink completes
 * only when every record it received was acknowledged, so a batch's completion means its output
 * is in the log.
 *
 * Repartition sinks also write a batch's records sorted by upstream position and pick each
 * record's partition themselves (as the producer would: murmur2 of the key bytes), so that they
 * know the runs — per repartition partition, the records derived from one upstream input
 * partition — and stamp each run's first record with the positions of the whole run (header
 * `sluice.origins`, see `origin-run.ts`). The downstream task uses them to recognise records
 * written twice by a restarted upstream task. Positions are `(input record, n-th output of that
 * record)`; they repeat across runs as long as the operators upstream are deterministic.
 */
import { Observable } from 'rxjs';
import { KeyBytes, partitionForKey, recordBytes, SerializationError, type RecordHeader } from '../../core/index.js';
import type { RecordOrigin, StreamRecord } from '../record.js';
import type { AnyRecord, AnySerde, StreamPartitioner } from '../topology/nodes.js';
import { ORIGINS_HEADER, OriginRunWriter } from './origin-run.js';
import type { OutputRecord, TaskEnvironment } from './task-environment.js';

/** Records sent per `send` while a batch is still running. */
const CHUNK_RECORDS = 1000;

export interface SinkTarget {
  topic: string;
  keySerde: AnySerde;
  valueSerde: AnySerde;
  partitioner?: StreamPartitioner;
  /** Repartition topics are written in runs (see above). */
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

function toOutput(target: SinkTarget, what: Described, r: AnyRecord): OutputRecord {
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
      let buffer: OutputRecord[] = [];
      const sends: Promise<void>[] = [];
      const chunks: OutputRecord[][] = [];
      let sent = 0;
      const flush = (): void => {
        if (buffer.length === 0) return;
        const records = buffer;
        buffer = [];
        sent += records.length;
        chunks.push(records);
        const p = env.collector.send(target.topic, records);
        p.catch((err) => subscriber.error(err));
        sends.push(p);
      };
      return source.subscribe({
        next(r) {
          try {
            buffer.push(toOutput(target, what, r));
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (buffer.length >= CHUNK_RECORDS) flush();
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

/**
 * Writes the batch's records to a repartition topic, sorted by upstream position and stamped
 * with it; completes once all are acknowledged.
 */
export function repartitionSink(target: SinkTarget, env: TaskEnvironment) {
  const what = describe(target);
  return (source: Observable<AnyRecord>): Observable<never> =>
    new Observable<never>((subscriber) => {
      const records: AnyRecord[] = [];
      return source.subscribe({
        next: (r) => void records.push(r),
        error: (err) => subscriber.error(err),
        complete() {
          let out: OutputRecord[];
          try {
            out = stamped(target, what, records, env.partition);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          // Nothing here is needed while the send waits for its acknowledgement: let the records
          // die young rather than survive garbage collections of the other tasks' batches.
          records.length = 0;
          const count = out.length;
          if (count === 0) {
            subscriber.complete();
            return;
          }
          const bytes = env.observer?.wantsBytes?.() === true ? recordBytes(out) : 0;
          env.collector.send(target.topic, out).then(() => {
            env.observer?.recordsOut?.(env.taskId, target.topic, count, () => bytes);
            subscriber.complete();
          }, (err) => subscriber.error(err));
        },
      });
    });
}

/** Key bytes for the partition of a record with a string key, without a Buffer per record. */
const keyBytes = new KeyBytes();

function stamped(target: SinkTarget, what: Described, records: AnyRecord[], taskPartition: number): OutputRecord[] {
  // The n-th record of this sink derived from an input record, in arrival order (per sink, so
  // that the numbering repeats when the input is reprocessed, whatever order sinks complete in).
  const seq = new Int32Array(records.length);
  const order = inOrder(records, seq) ? null : numberAndSort(records, seq);
  const out = new Array<OutputRecord>(records.length);
  const partitions = target.partitionCount!;
  // The run being collected per repartition partition; every run, and the record that heads it.
  const open: (OriginRunWriter | undefined)[] = [];
  const runs: OriginRunWriter[] = [];
  const heads: OutputRecord[] = [];
  for (let k = 0; k < records.length; k++) {
    const i = order === null ? k : order[k];
    const r = records[i];
    const o = r.origin;
    const rec = toOutput(target, what, r);
    // Keyless records go to the task's own partition number: any partition would do (aggregations
    // and joins skip them), and a fixed one keeps them in runs.
    const partition = (rec.partition ??= rec.key === null ? taskPartition % partitions : partitionForKey(keyBytes.of(rec.key), partitions));
    let run = open[partition];
    if (run === undefined || run.topic !== o.topic || run.partition !== o.partition) {
      open[partition] = run = new OriginRunWriter(o.topic, o.partition);
      runs.push(run);
      heads.push(rec);
    }
    run.add(o.offset, seq[i]);
    out[k] = rec;
  }
  for (let j = 0; j < runs.length; j++) {
    const head = heads[j];
    const stamp: RecordHeader = { key: ORIGINS_HEADER, value: runs[j].encode() };
    head.headers = head.headers.length === 0 ? [stamp] : [...head.headers, stamp];
  }
  return out;
}

/**
 * The common case, checked (and numbered) in one pass without a map: each input record's outputs
 * arrive together and input records in position order. False when they do not; `seq` is then to
 * be numbered again.
 */
function inOrder(records: AnyRecord[], seq: Int32Array): boolean {
  for (let i = 1; i < records.length; i++) {
    const a = records[i - 1].origin;
    const b = records[i].origin;
    if (b === a) seq[i] = seq[i - 1] + 1;
    else if (comparePositions(a, b) >= 0) return false;
  }
  return true;
}

/** Numbers outputs per input record in arrival order, then sorts them by position; returns the order. */
function numberAndSort(records: AnyRecord[], seq: Int32Array): number[] {
  const next = new Map<object, number>();
  let lastOrigin: object | null = null;
  let lastSeq = 0;
  for (let i = 0; i < records.length; i++) {
    const origin = records[i].origin;
    let n: number;
    if (origin === lastOrigin) n = ++lastSeq;
    else {
      if (lastOrigin !== null) next.set(lastOrigin, lastSeq + 1);
      n = next.get(origin) ?? 0;
      lastOrigin = origin;
      lastSeq = n;
    }
    seq[i] = n;
  }
  return records.map((_, j) => j).sort((a, b) => compare(records[a], seq[a], records[b], seq[b]));
}

function compare(a: StreamRecord<unknown, unknown>, seqA: number, b: StreamRecord<unknown, unknown>, seqB: number): number {
  return comparePositions(a.origin, b.origin) || seqA - seqB;
}

function comparePositions(oa: RecordOrigin, ob: RecordOrigin): number {
  if (oa.topic !== ob.topic) return oa.topic < ob.topic ? -1 : 1;
  if (oa.partition !== ob.partition) return oa.partition - ob.partition;
  return oa.offset - ob.offset;
}
