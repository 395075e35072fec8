/**
 * A case's inputs and expectations named after a pipeline's source or sink instead of a topic go
 * through that connector's transforms and converters, as `sluice run` applies them: a source's
 * records are transformed, then converted to bytes for its topic (Kafka Connect's order); a sink's
 * records are read from its topics, converted from bytes, then transformed — what the sink would
 * write. The connector itself (files, NATS) does not run.
 */
import { converter } from '../../connectors/converters.js';
import { compileTransforms, TRANSFORMS_BY_TYPE, type TransformRecord } from '../../connectors/transforms/index.js';
import type { TestRecord } from '../../streams/index.js';
import { toHeaderList } from '../../streams/test-driver/topology-test-driver.js';
import type { ConnectorSpec } from '../pipeline.js';
import type { ActualRecord, InputRecord } from './test-case.js';

/** A source's input records as its topic receives them, in order (a transform may drop some or pick another topic). */
export async function throughSource(source: ConnectorSpec, records: readonly { record: InputRecord; timestamp: number }[]): Promise<{ topic: string; record: TestRecord }[]> {
  const config = source.config;
  const chain = compileTransforms(config.transforms, TRANSFORMS_BY_TYPE);
  const keyConverter = converter(config['key.converter']);
  const valueConverter = converter(config['value.converter']);
  const out: { topic: string; record: TestRecord }[] = [];
  for (let i = 0; i < records.length; i++) {
    const { record: r, timestamp } = records[i];
    const what = `source ${config.name}, input record ${i}`;
    let rec: TransformRecord | null = { topic: config.topic!, key: r.key, value: r.value, headers: r.headers, timestamp };
    if (chain.length > 0) rec = await run(what, () => chain.apply(rec!));
    if (rec === null) continue;
    const key = await run(`${what}, key converter ${keyConverter.name}`, () => keyConverter.fromConnector(rec!.key));
    const value = await run(`${what}, value converter ${valueConverter.name}`, () => valueConverter.fromConnector(rec!.value));
    out.push({ topic: rec.topic, record: { key: toBuffer(key), value: toBuffer(value), headers: toHeaderList(rec.headers), timestamp: rec.timestamp ?? timestamp } });
  }
  return out;
}

/** What a sink would write: its topics' records converted and transformed (bytes values as UTF-8 text). */
export async function throughSink(sink: ConnectorSpec, recordsOf: (topic: string) => readonly TestRecord[]): Promise<ActualRecord[]> {
  const config = sink.config;
  const chain = compileTransforms(config.transforms, TRANSFORMS_BY_TYPE);
  const keyConverter = converter(config['key.converter']);
  const valueConverter = converter(config['value.converter']);
  const topics = config.topics === undefined ? [] : Array.isArray(config.topics) ? config.topics : [config.topics];
  const out: ActualRecord[] = [];
  for (const topic of topics) {
    const records = recordsOf(topic);
    for (let offset = 0; offset < records.length; offset++) {
      const r = records[offset];
      const what = `sink ${config.name}, ${topic}@${offset}`;
      const key = await run(`${what}, key converter ${keyConverter.name}`, () => keyConverter.toConnector(r.key));
      const value = await run(`${what}, value converter ${valueConverter.name}`, () => valueConverter.toConnector(r.value));
      let rec: TransformRecord | null = { topic, partition: 0, offset, key, value, headers: r.headers, timestamp: r.timestamp };
      if (chain.length > 0) rec = await run(what, () => chain.apply(rec!));
      if (rec === null) continue;
      const headers: Record<string, string | null> = {};
      for (const h of toHeaderList(rec.headers)) headers[h.key] = h.value === null ? null : Buffer.from(h.value).toString('utf8');
      out.push({ key: asText(rec.key), value: asText(rec.value), headers, timestamp: rec.timestamp ?? r.timestamp });
    }
  }
  return out;
}

async function run<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function toBuffer(b: Uint8Array | string | null): Buffer | null {
  if (b === null) return null;
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function asText(x: unknown): unknown {
  return x instanceof Uint8Array ? Buffer.from(x).toString('utf8') : x;
}
