/**
 * What the CLI prints about running components: a status line per connector and per pipeline
 * stream (total, records/s, lag), and a pipeline run's end-of-run summary.
 */
import type { ConnectorStatus } from '../connectors/index.js';
import type { Pipeline, PipelineRunSummary, PipelineStatus, StreamSpec } from '../pipelines/index.js';
import { formatCount, type Rates } from './status-line.js';

/** "orders-in: running, 12,000 produced, 4,000/s" — `rate` is left out when not given. */
export function connectorStatusText(s: ConnectorStatus, rate?: number): string {
  const parts = [`${s.name}: ${s.state}`, `${formatCount(s.recordsOut)} ${s.kind === 'source' ? 'produced' : 'written'}`];
  if (rate !== undefined) parts.push(`${formatCount(rate)}/s`);
  if (s.lag !== undefined) parts.push(`lag ${formatCount(s.lag)}`);
  if (s.recordsFailed > 0) parts.push(`${formatCount(s.recordsFailed)} failed`);
  if (s.recordsDropped > 0) parts.push(`${formatCount(s.recordsDropped)} dropped`);
  if (s.retrying) parts.push(`retrying (${s.retrying.error.message})`);
  return parts.join(', ');
}

/**
 * One line per source, pipeline stream and sink, in the pipeline's order:
 *   source orders-in: running, 12,000 produced, 4,000/s
 *   stream paid: 11,500 in, 9,800 out, 3,900/s, lag 500
 *   sink totals-out: running, 9,700 written, 3,800/s, lag 100
 * A stream's counts are those of its input and output topics (streams sharing a topic share its counts).
 */
export function statusLines(pipeline: Pipeline, s: PipelineStatus, rates: Rates): string[] {
  const byName = new Map(s.connectors.map((c) => [c.name, c]));
  const connector = (name: string): string[] => {
    const c = byName.get(name);
    return c ? [`${c.kind} ${connectorStatusText(c, rates.rate(c.name, c.recordsOut))}`] : [];
  };
  const lines = pipeline.sources.flatMap((source) => connector(source.config.name));
  if (s.streams) {
    const { recordsInByTopic, recordsOutByTopic, lagByTopic } = s.streams;
    const sum = (topics: readonly string[], counts: Record<string, number>): number => topics.reduce((n, t) => n + (counts[t] ?? 0), 0);
    for (const stream of pipeline.streams) {
      const recordsIn = sum(stream.from, recordsInByTopic);
      const rate = rates.rate(`stream\u0000${stream.name}`, recordsIn);
      lines.push(`stream ${stream.name}: ${formatCount(recordsIn)} in, ${formatCount(sum(outputTopics(stream), recordsOutByTopic))} out, ${formatCount(rate)}/s, lag ${formatCount(sum(stream.from, lagByTopic))}`);
    }
  }
  lines.push(...pipeline.sinks.flatMap((sink) => connector(sink.config.name)));
  return lines;
}

/** The topics a stream writes to: its `to`, and its branches' targets. */
function outputTopics(stream: StreamSpec): string[] {
  const topics = new Set(stream.to);
  for (const step of stream.steps) if (step.type === 'branch') for (const route of step.routes) for (const t of route.to) topics.add(t);
  return [...topics];
}

/**
 * The end-of-run summary:
 *   pipeline orders-etl: 1,000 records in, 42 out, 0.8 s (drained; 0.4 s working: from 0.2 s to the last record at 0.6 s)
 *     source orders-in: 1,000 records → topic orders
 *     streams: 1,000 records processed, 42 written
 *     sink totals-out: 42 records → ./out/totals.jsonl
 */
export function summaryText(pipeline: Pipeline, s: PipelineRunSummary): string {
  const records = (n: number): string => `${formatCount(n)} record${n === 1 ? '' : 's'}`;
  const notes = [s.stoppedBy === 'idle' ? 'drained' : '', s.lastRecordMs !== undefined ? working(s.lastRecordMs, s.phases.startedMs) : ''].filter(Boolean);
  const lines = [`pipeline ${s.name}: ${records(s.recordsIn)} in, ${formatCount(s.recordsOut)} out, ${(s.durationMs / 1000).toFixed(1)} s${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`];
  const byName = new Map(s.connectors.map((c) => [c.name, c]));
  for (const source of pipeline.sources) {
    const c = byName.get(source.config.name);
    lines.push(`  source ${source.config.name}: ${records(c?.recordsOut ?? 0)} → topic ${source.config.topic}${failures(c)}`);
  }
  if (s.streams) lines.push(`  streams: ${records(s.streams.recordsIn)} processed, ${formatCount(s.streams.recordsOut)} written${s.streams.lateRecords > 0 ? `, ${formatCount(s.streams.lateRecords)} late` : ''}`);
  for (const sink of pipeline.sinks) {
    const c = byName.get(sink.config.name);
    lines.push(`  sink ${sink.config.name}: ${records(c?.recordsOut ?? 0)} → ${destination(sink.config)}${failures(c)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The time spent working: from the end of start-up to the last record (which a sink may have written before, from what an earlier run left). */
function working(lastRecordMs: number, startedMs: number): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return lastRecordMs < startedMs ? `last record at ${s(lastRecordMs)}` : `${s(lastRecordMs - startedMs)} working: from ${s(startedMs)} to the last record at ${s(lastRecordMs)}`;
}

function failures(c: ConnectorStatus | undefined): string {
  const notes = [c && c.recordsFailed > 0 ? `${formatCount(c.recordsFailed)} failed` : '', c && c.recordsDropped > 0 ? `${formatCount(c.recordsDropped)} dropped` : ''].filter(Boolean);
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

function destination(config: Record<string, unknown>): string {
  if (typeof config['file.path'] === 'string') return config['file.path'];
  if (typeof config['nats.subject'] === 'string') return `subject ${config['nats.subject']}`;
  return String(config.connector);
}
