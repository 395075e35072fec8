/**
 * The console's JSON API: what each route reads from the `Cluster`, and the few writes, each one
 * an explicit POST from a button the user pressed (produce a record, reset a group's offsets after
 * a preview, change a topic's configs after a confirmation).
 *
 *   GET  /api/overview                                 ClusterOverview
 *   GET  /api/topics                                   TopicOverview[]
 *   GET  /api/topics/{t}                               TopicDetail (partitions, configs with their source)
 *   POST /api/topics/{t}/configs                       { changes: { key: value | null } } → TopicDetail
 *   POST /api/topics/{t}/records                       { partition?, key?, value, headers? } → RecordMetadata
 *   GET  /api/topics/{t}/partitions/{p}/messages       ShownRecord[] (?offset= | ?timestamp=, &limit=)
 *   GET  /api/topics/{t}/partitions/{p}/search         KeySearch (?key=&offset=)
 *   GET  /api/topics/{t}/partitions/{p}/records/{o}    ShownRecord, whole (no 64 KiB cut)
 *   GET  /api/topics/{t}/partitions/{p}/tail           server-sent events (console-tail.ts)
 *   GET  /api/groups                                   GroupListing[] (by id)
 *   GET  /api/groups/{g}                               ConsumerGroupDescription & { lagHistory }
 *   POST /api/groups/{g}/reset-offsets                 { toEarliest | toLatest | toOffset | toDatetime, topics?, execute } → OffsetReset[]
 *   GET  /api/pipeline                                 PipelineView (sluice run --console only)
 *   POST /api/pipeline/connectors/{c}/{action}         {} to pause | resume | restart → ConnectorActionResult (same)
 */
import type http from 'node:http';
import { createAdmin, createProducer, type Cluster, type RecordMetadata } from '../../core/index.js';
import type { ApiRequest } from '../connect-control/api-request.js';
import { HttpError } from '../connect-control/http-error.js';
import { resetTarget, type ResetTargetOptions } from '../reset-target.js';
import type { PipelineConnectors } from './pipeline-connectors.js';
import { readMessages, searchByKey, showRecord, topicsOverview } from './console-data.js';
import type { ConsoleHistory, RateSample } from './console-history.js';
import { streamTail } from './console-tail.js';
import { topicDetail } from './topic-detail.js';

/** Runs `body` on a cluster that may write (the console's own, or one opened for this write). */
export type WithWriter = <T>(body: (cluster: Cluster) => Promise<T>) => Promise<T>;

export interface ConsoleContext {
  cluster: Cluster;
  withWriter: WithWriter;
  history: ConsoleHistory;
  /** What the engine is, for the overview ("embedded at DIR", "remote at HOST:PORT"). */
  engine: string;
  /** `sluice run --console`: the running pipeline. */
  pipeline?: () => unknown;
  /** `sluice run --console`: the pipeline page's pause, resume and restart buttons. */
  connectors?: PipelineConnectors;
}

export interface ClusterOverview {
  engine: string;
  /** Nodes holding partitions, where the engine reports them (JetStream, a remote cluster). */
  brokers: string[];
  topics: number;
  partitions: number;
  records: number;
  sizeInBytes: number;
  rates: RateSample[];
}

/** Answers `request` (GET or POST); a route that streams (the tail) writes `res` itself and returns undefined. */
export async function handleApi(ctx: ConsoleContext, request: ApiRequest, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): Promise<unknown> {
  const { cluster } = ctx;
  const [, resource, name, sub, p, leaf, leafArg] = request.parts;
  const method = request.method;
  const only = (wanted: 'GET' | 'POST'): void => {
    if (method !== wanted) throw new HttpError(405, `${request.pathname} takes ${wanted}`);
  };
  /** The route's answer, when asked with the method it takes. */
  const reply = (wanted: 'GET' | 'POST', answer: () => unknown): unknown => {
    only(wanted);
    return answer();
  };
  if (resource === 'overview' && name === undefined) return reply('GET', () => overview(ctx));
  if (resource === 'topics') {
    if (name === undefined) return reply('GET', () => topicsOverview(cluster, { includeInternal: request.query.get('internal') === 'true' }));
    await assertTopic(cluster, name);
    if (sub === undefined) return reply('GET', () => topicDetail(cluster, name));
    if (sub === 'configs' && p === undefined) return reply('POST', async () => alterConfigs(ctx, name, await request.body()));
    if (sub === 'records' && p === undefined) return reply('POST', async () => produce(ctx, name, await request.body()));
    if (sub === 'partitions' && p !== undefined) {
      only('GET');
      const partition = await assertPartition(cluster, name, p);
      const max = integer(request.query, 'max_bytes');
      if (leaf === 'messages') {
        return readMessages(cluster, { topic: name, partition, offset: integer(request.query, 'offset'), timestamp: timestamp(request.query), limit: integer(request.query, 'limit'), maxValueBytes: max });
      }
      if (leaf === 'search') {
        const key = request.query.get('key');
        if (key === null) throw new HttpError(400, 'search needs ?key=');
        return searchByKey(cluster, { topic: name, partition, key, offset: integer(request.query, 'offset'), limit: integer(request.query, 'limit') });
      }
      if (leaf === 'records' && leafArg !== undefined) return wholeRecord(cluster, name, partition, leafArg);
      if (leaf === 'tail') return streamTail(cluster, req, res, { topic: name, partition, offset: integer(request.query, 'offset') }, headers);
    }
  }
  if (resource === 'groups') {
    if (name === undefined) return reply('GET', async () => (await cluster.listGroups()).sort((a, b) => a.groupId.localeCompare(b.groupId)));
    if (!(await cluster.listGroups()).some((l) => l.groupId === name)) throw new HttpError(404, `no group ${JSON.stringify(name)}`);
    if (sub === undefined) {
      only('GET');
      const group = await createAdmin(cluster).describeGroup(name);
      ctx.history.recordLag(name, group.totalLag);
      return { ...group, lagHistory: ctx.history.lagOf(name) };
    }
    if (sub === 'reset-offsets' && p === undefined) return reply('POST', async () => resetOffsets(ctx, name, await request.body()));
  }
  if (resource === 'pipeline' && name === undefined && ctx.pipeline) return reply('GET', ctx.pipeline);
  if (resource === 'pipeline' && name === 'connectors' && sub !== undefined && p !== undefined && leaf === undefined && ctx.connectors) {
    const connectors = ctx.connectors;
    // A JSON body ({}), as every other write: a form on another site cannot send one (content-type).
    return reply('POST', async () => connectors.act(sub, p, object(await request.body(), 'the request')));
  }
  throw new HttpError(404, `no page ${request.pathname}`);
}

async function overview(ctx: ConsoleContext): Promise<ClusterOverview> {
  const topics = await ctx.cluster.listTopics();
  const described = await Promise.all(topics.map((t) => ctx.cluster.describeTopic(t)));
  const brokers = new Set<string>();
  let partitions = 0;
  let records = 0;
  let sizeInBytes = 0;
  for (const t of described) {
    for (const p of t.partitions) {
      partitions++;
      records += p.logEndOffset - p.logStartOffset;
      sizeInBytes += p.sizeInBytes;
      for (const node of p.replicas ?? (p.leader ? [p.leader] : [])) brokers.add(node);
    }
  }
  return { engine: ctx.engine, brokers: [...brokers].sort(), topics: topics.length, partitions, records, sizeInBytes, rates: ctx.history.rates() };
}

async function wholeRecord(cluster: Cluster, topic: string, partition: number, offsetText: string): Promise<unknown> {
  if (!/^\d+$/.test(offsetText)) throw new HttpError(400, `offset must be a non-negative integer, got ${JSON.stringify(offsetText)}`);
  const offset = Number(offsetText);
  const [record] = await readMessages(cluster, { topic, partition, offset, limit: 1, maxValueBytes: Infinity });
  if (record === undefined || record.offset !== offset) throw new HttpError(404, `${topic}-${partition} has no record at offset ${offset}`);
  return record;
}

interface ProduceBody {
  partition?: number;
  key?: string | null;
  value?: string | null;
  headers?: { key: string; value: string | null }[];
}

async function produce(ctx: ConsoleContext, topic: string, raw: unknown): Promise<RecordMetadata> {
  const body = object(raw, 'the record') as ProduceBody;
  const nullableString = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw new HttpError(400, `${field} must be a string or null`);
    return v;
  };
  const key = nullableString(body.key, 'key');
  const value = nullableString(body.value, 'value');
  if (body.partition !== undefined && body.partition !== null && (!Number.isSafeInteger(body.partition) || body.partition < 0)) throw new HttpError(400, 'partition must be a non-negative integer');
  if (body.partition != null) await assertPartition(ctx.cluster, topic, String(body.partition));
  if (body.headers !== undefined && !Array.isArray(body.headers)) throw new HttpError(400, 'headers must be a list of { key, value }');
  const headers = (body.headers ?? []).map((h, i) => {
    if (typeof h?.key !== 'string' || h.key === '') throw new HttpError(400, `headers[${i}].key must be a non-empty string`);
    const v = nullableString(h.value, `headers[${i}].value`);
    return { key: h.key, value: v === null ? null : Buffer.from(v) };
  });
  return ctx.withWriter(async (cluster) => {
    const producer = createProducer<Buffer | null, Buffer | null>(cluster, { lingerMs: 0 });
    try {
      return await producer.send({ topic, ...(body.partition != null ? { partition: body.partition } : {}), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers });
    } finally {
      await producer.close();
    }
  });
}

async function resetOffsets(ctx: ConsoleContext, groupId: string, raw: unknown): Promise<unknown> {
  const body = object(raw, 'the reset') as ResetTargetOptions & { topics?: unknown; execute?: unknown };
  const to = resetTarget({ toEarliest: body.toEarliest === true ? true : undefined, toLatest: body.toLatest === true ? true : undefined, toOffset: body.toOffset === undefined ? undefined : String(body.toOffset), toDatetime: body.toDatetime });
  if (body.topics !== undefined && (!Array.isArray(body.topics) || body.topics.some((t) => typeof t !== 'string'))) throw new HttpError(400, 'topics must be a list of topic names');
  const topics = body.topics as string[] | undefined;
  // The preview reads; only an explicit execute writes.
  if (body.execute !== true) return createAdmin(ctx.cluster).resetGroupOffsets(groupId, { topics, to, dryRun: true });
  return ctx.withWriter((cluster) => createAdmin(cluster).resetGroupOffsets(groupId, { topics, to, dryRun: false }));
}

async function alterConfigs(ctx: ConsoleContext, topic: string, raw: unknown): Promise<unknown> {
  const changes = object(object(raw, 'the request').changes, 'changes') as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value !== null && typeof value !== 'string') throw new HttpError(400, `changes.${key} must be a string (the new value) or null (back to the default)`);
  }
  if (Object.keys(changes).length === 0) throw new HttpError(400, 'changes is empty: nothing to change');
  await ctx.withWriter(async (cluster) => {
    if (!cluster.alterTopicConfig) throw new HttpError(501, `this engine (${ctx.engine}) cannot change topic configs`);
    await cluster.alterTopicConfig(topic, changes as Record<string, string | null>);
  });
  return topicDetail(ctx.cluster, topic);
}

async function assertTopic(cluster: Cluster, topic: string): Promise<void> {
  if (!(await cluster.listTopics({ includeInternal: true })).includes(topic)) throw new HttpError(404, `no topic ${JSON.stringify(topic)}`);
}

async function assertPartition(cluster: Cluster, topic: string, text: string): Promise<number> {
  if (!/^\d+$/.test(text)) throw new HttpError(400, `partition must be a non-negative integer, got ${JSON.stringify(text)}`);
  const partition = Number(text);
  if (partition >= (await cluster.partitionCount(topic))) throw new HttpError(404, `topic ${topic} has no partition ${partition}`);
  return partition;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new HttpError(400, `${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** `?timestamp=` as ms since the epoch or an ISO 8601 date-time. */
function timestamp(query: URLSearchParams): number | undefined {
  const text = query.get('timestamp');
  if (text === null || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new HttpError(400, `timestamp must be ms since the epoch or an ISO 8601 date-time, got ${JSON.stringify(text)}`);
  return ms;
}
