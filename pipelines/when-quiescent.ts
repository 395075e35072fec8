/**
 * The end of a batch run, without an idle period: once the sources reported their input drained
 * (nothing more will be written from outside), the pipeline is done when every record written is
 * processed — the streams have no lag and each sink's committed offsets reach its topics' ends.
 *
 * One look is not enough: lags are read one after another while streams may still write (a
 * stream's output is the next stream's or a sink's input). So the ends of every consumed topic
 * are read before and after the lags: equal ends mean nothing was written meanwhile, and lags of
 * zero read in between describe one moment at which everything was consumed and committed (a
 * collect taken twice, the classic snapshot check). Checked after every acknowledged batch and on
 * a short timer (commits past transaction markers move offsets without a batch).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Cluster } from '../core/index.js';
import { RECORDS_CHANNEL, type ConnectRuntime } from '../connectors/index.js';
import type { StreamsApp } from '../streams/index.js';

/** How often to look again when no batch was acknowledged meanwhile. */
const RECHECK_MS = 20;

export interface QuiescenceOptions {
  cluster: Cluster;
  runtime: ConnectRuntime;
  app: StreamsApp | null;
  /** The sinks to wait for. */
  sinks: readonly string[];
  signal: AbortSignal;
}

/**
 * Resolves `true` once everything written is consumed and committed (see the file comment);
 * `false` when `signal` aborts first. Call only once the sources are drained.
 */
export async function whenQuiescent(options: QuiescenceOptions): Promise<boolean> {
  const { signal } = options;
  let wake: (() => void) | null = null;
  const onRecords = (): void => wake?.();
  subscribe(RECORDS_CHANNEL, onRecords);
  try {
    const { app, runtime, sinks } = options;
    const streamTopics = app ? [...(await app.lagByTopic()).keys()] : [];
    const sinkTopics = (await Promise.all(sinks.map((name) => runtime.sinkLag(name)))).flatMap((s) => s.topics);
    const topics = [...new Set([...streamTopics, ...sinkTopics])];
    while (!signal.aborted) {
      if (await isQuiescent(options, topics)) return true;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, RECHECK_MS);
        signal.addEventListener('abort', done, { once: true });
        wake = done;
      });
    }
    return false;
  } finally {
    unsubscribe(RECORDS_CHANNEL, onRecords);
  }
}

/** Whether, between two reads of the ends of `topics` (every consumed topic) that agree, every lag was zero. */
async function isQuiescent({ cluster, runtime, app, sinks }: QuiescenceOptions, topics: readonly string[]): Promise<boolean> {
  const before = await ends(cluster, topics);
  if (app) for (const n of (await app.lagByTopic()).values()) if (n > 0) return false;
  for (const name of sinks) if ((await runtime.sinkLag(name)).lag > 0) return false;
  const after = await ends(cluster, topics);
  return before.every((end, i) => end === after[i]);
}

/** The log end of every partition of `topics`, in a fixed order. */
async function ends(cluster: Cluster, topics: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const topic of topics) {
    const partitions = await cluster.partitionCount(topic);
    for (let p = 0; p < partitions; p++) out.push(await cluster.listOffset(topic, p, 'latest'));
  }
  return out;
}
