/**
 * Runs the clickstream job end to end on an embedded cluster (or a remote one by its bootstrap servers): generates page views into
 * `page-views`, runs the application until it has processed them, reads the counts back with
 * interactive queries, and checks them: for every page and minute, the count plus the late views
 * of that window equals the views generated.
 */
import { bytesSerde, createConsumer, createProducer, jsonSerde, openCluster, stringSerde, TopicExistsError, type Cluster, type ConsumerRecord, type Serde } from '../../core/index.js';
import { createStreamsApp, installShutdownHandlers, type StreamsApp, type Windowed } from '../../streams/index.js';
import { generatePageViews } from './generate.js';
import { LATE_VIEWS, PAGE_VIEWS, STORE, VIEWS_PER_MINUTE, type PageView } from './page-view.js';
import { clickstreamTopology } from './topology.js';

export interface ClickstreamOptions {
  dataDir?: string;
  /** Run on a `sluice broker` or Kafka-compatible cluster instead of the data directory. */
  bootstrapServers?: readonly string[];
  events?: number;
  minutes?: number;
  partitions?: number;
  /** Wall time over which the views are produced (default 2000 ms). */
  replayMs?: number;
  /** Install SIGINT/SIGTERM handlers (graceful shutdown). */
  signals?: boolean;
  log?: (line: string) => void;
}

export interface ClickstreamResult {
  /** `HH:MM page` → views counted in that minute. */
  counts: Map<string, number>;
  late: number;
  /** `HH:MM page` → the final count written to `page-views-per-minute` when that minute closed. */
  finals: Map<string, number>;
  generated: number;
  verified: boolean;
}

const minuteKey = (page: string, windowStart: number): string => `${new Date(windowStart).toISOString().slice(11, 16)} ${page}`;

export async function runClickstream(options: ClickstreamOptions = {}): Promise<ClickstreamResult> {
  const log = options.log ?? (() => {});
  const events = options.events ?? 50_000;
  const cluster: Cluster = options.bootstrapServers
    ? await openCluster({ bootstrapServers: options.bootstrapServers })
    : await openCluster({ dataDir: options.dataDir, maintenanceIntervalMs: 0 });
  let app: StreamsApp | null = null;
  try {
    try {
      await cluster.createTopic(PAGE_VIEWS, { partitions: options.partitions ?? 4 });
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
      throw new Error(`topic ${PAGE_VIEWS} already exists in ${options.bootstrapServers?.join(',') ?? options.dataDir}: use a fresh data directory or cluster`);
    }
    app = createStreamsApp(clickstreamTopology(), { applicationId: 'clickstream', cluster, commitIntervalMs: 100 });
    if (options.signals) installShutdownHandlers(app, { onSignal: (s) => log(`${s}: shutting down`) });
    const started = Date.now();
    await app.start();

    // Views arrive live: the minutes of event time are replayed over about `replayMs` of wall time.
    const views = generatePageViews({ events, minutes: options.minutes ?? 10 });
    const producer = createProducer<string, PageView>(cluster, { keySerde: stringSerde as never, valueSerde: jsonSerde<PageView>() as never });
    const chunk = Math.max(1, Math.ceil(views.length / 100));
    for (let i = 0; i < views.length; i += chunk) {
      await producer.send(views.slice(i, i + chunk).map((v) => ({ topic: PAGE_VIEWS, key: v.user, value: v, timestamp: v.ts })));
      await new Promise((r) => setTimeout(r, (options.replayMs ?? 2000) / 100));
    }
    await producer.close();
    log(`produced ${views.length} page views into "${PAGE_VIEWS}" (keyed by user, ${options.minutes ?? 10} minutes of event time)`);
    while ((await app.lag()) > 0 || (await repartitionLag(cluster))) await new Promise((r) => setTimeout(r, 20));
    const m = app.metrics();
    log(`processed in ${Date.now() - started} ms: ${m.recordsIn} records in (input and repartition), ${m.recordsOut} out, ${m.lateRecords} late`);

    // Interactive queries: every page's counts, minute by minute.
    const counts = new Map<string, number>();
    for (const [w, n] of app.windowStore<string, number>(STORE).all() as IterableIterator<[Windowed<string>, number]>) counts.set(minuteKey(w.key, w.window.start), n);

    const late = await readLate(cluster);
    const finals = await readFinals(cluster);
    const expected = new Map<string, number>();
    for (const v of views) {
      const k = minuteKey(v.page, v.ts - (v.ts % 60_000));
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    let verified = true;
    for (const [k, n] of expected) {
      if ((counts.get(k) ?? 0) + (late.get(k) ?? 0) !== n) {
        verified = false;
        log(`MISMATCH ${k}: counted ${counts.get(k) ?? 0} + late ${late.get(k) ?? 0} != generated ${n}`);
      }
    }
    const lateTotal = [...late.values()].reduce((a, b) => a + b, 0);
    printTable(counts, log);
    log(`${lateTotal} late views sent to "${LATE_VIEWS}"; ${finals.size} final counts (closed minutes) written to "${VIEWS_PER_MINUTE}"`);
    log(verified ? `verified: for every page and minute, counted + late = generated (${views.length} views)` : 'NOT verified');
    return { counts, late: lateTotal, finals, generated: views.length, verified };
  } finally {
    await app?.close();
    await cluster.close();
  }
}

/** True while the repartition topic has records the application has not committed. */
async function repartitionLag(cluster: Cluster): Promise<boolean> {
  const committed = await cluster.fetchOffsets('clickstream');
  const repartition = await cluster.describeTopic('clickstream-views-by-page-repartition');
  for (const p of repartition.partitions) {
    // read_committed: the application writes it in transactions; their markers take offsets too.
    const end = await cluster.listOffset(repartition.name, p.partition, 'latest', { isolationLevel: 'read_committed' });
    if (end > (committed.find((c) => c.topic === repartition.name && c.partition === p.partition)?.offset ?? 0)) return true;
  }
  return false;
}

/** Every committed record of `topic`, partition by partition, up to each one's last stable offset. */
async function readCommitted<K, V>(cluster: Cluster, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = [];
  const description = await cluster.describeTopic(topic).catch(() => null);
  if (description === null) return out;
  const consumer = createConsumer(cluster, { keySerde, valueSerde, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
  for (const p of description.partitions) {
    const tp = { topic, partition: p.partition };
    consumer.assign([tp]);
    const end = await cluster.listOffset(topic, p.partition, 'latest', { isolationLevel: 'read_committed' });
    while ((await consumer.position(tp)) < end) out.push(...(await consumer.poll({ timeoutMs: 100 })));
  }
  await consumer.close();
  return out;
}

async function readLate(cluster: Cluster): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await readCommitted(cluster, LATE_VIEWS, bytesSerde, jsonSerde<PageView>())) {
    const k = minuteKey(r.value!.page, r.value!.ts - (r.value!.ts % 60_000));
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

async function readFinals(cluster: Cluster): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await readCommitted(cluster, VIEWS_PER_MINUTE, stringSerde, jsonSerde<number>())) out.set(r.key!, r.value!);
  return out;
}

function printTable(counts: Map<string, number>, log: (line: string) => void): void {
  const minutes = [...new Set([...counts.keys()].map((k) => k.slice(0, 5)))].sort();
  const pages = [...new Set([...counts.keys()].map((k) => k.slice(6)))].sort();
  const width = Math.max(...pages.map((p) => p.length), 4);
  log(`${'page'.padEnd(width)} ${minutes.map((m) => m.padStart(6)).join('')}`);
  for (const page of pages) log(`${page.padEnd(width)} ${minutes.map((m) => String(counts.get(`${m} ${page}`) ?? 0).padStart(6)).join('')}`);
}
