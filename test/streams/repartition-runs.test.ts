/**
 * Upstream positions carried per run on repartition topics: the encoding, the sink's runs (per
 * repartition partition and upstream input partition), and the reader's duplicate dropping —
 * including a restart in the middle of a run, where only the commit metadata knows the positions.
 */
import { describe, expect, test } from 'vitest';
import { from, lastValueFrom } from 'rxjs';
import { partitionForKey, stringSerde, type RecordHeader } from '../../core/index.js';
import { BETWEEN_INPUTS_SEQ, ORIGINS_HEADER, OriginRunReader, OriginRunWriter } from '../../streams/processor/origin-run.js';
import { repartitionSink, type SinkTarget } from '../../streams/processor/sink.js';
import { SourceReader, type InputRecord } from '../../streams/processor/source-reader.js';
import type { OutputRecord, TaskEnvironment } from '../../streams/processor/task-environment.js';
import type { AnyRecord, SourceNode } from '../../streams/topology/nodes.js';
import { upstreamPositions } from './streams-helpers.js';

const repartitionSource = { kind: 'source', internal: true, topics: ['g'], pattern: null } as unknown as SourceNode;

/** Records of one repartition partition holding runs of `[offset, seq]` positions of upstream `in:0`, from offset `first` on. */
function repartitionRecords(runs: [number, number][][], first = 0): InputRecord[] {
  const out: InputRecord[] = [];
  for (const run of runs) {
    const writer = new OriginRunWriter('in', 0);
    for (const [offset, seq] of run) writer.add(offset, seq);
    run.forEach(([offset, seq], i) => {
      const headers: RecordHeader[] = i === 0 ? [{ key: ORIGINS_HEADER, value: writer.encode() }] : [];
      out.push({ topic: 'app-g-repartition', partition: 0, offset: first + out.length, timestamp: 0, key: Buffer.from(`k${offset}`), value: Buffer.from(`${offset}/${seq}`), headers });
    });
  }
  return out;
}

const positions = (lo: number, hi: number): [number, number][] => Array.from({ length: hi - lo + 1 }, (_, i) => [lo + i, 0]);
const read = (reader: SourceReader, records: InputRecord[]): string[] =>
  records.map((r) => reader.read(r, 0)).flatMap((r) => (r === null ? [] : [r.value as string]));

describe('origin runs', () => {
  test('encode and decode every position: large offsets, gaps, several records of one input record', () => {
    const run: [number, number][] = [[2 ** 40, 0], [2 ** 40, 1], [2 ** 40, 5], [2 ** 40 + 3, 0], [2 ** 40 + 3 + 2 ** 33, 2], [2 ** 52, 0]];
    const writer = new OriginRunWriter('in-topic', 7);
    for (const [offset, seq] of run) writer.add(offset, seq);
    const reader = OriginRunReader.read(writer.encode());
    expect(reader.upstream).toBe('in-topic:7');
    const seen: [number, number][] = [[reader.offset, reader.seq]];
    while (reader.next()) seen.push([reader.offset, reader.seq]);
    expect(seen).toEqual(run);
    expect(reader.state()).toBeNull();
  });

  test('records emitted between two inputs (a window close at position − 0.5) come after every output of the input before', () => {
    const writer = new OriginRunWriter('in', 0);
    writer.add(41.5, 0);
    writer.add(41.5, 1);
    const reader = OriginRunReader.read(writer.encode());
    const seen: [number, number][] = [[reader.offset, reader.seq]];
    while (reader.next()) seen.push([reader.offset, reader.seq]);
    expect(seen).toEqual([[41, BETWEEN_INPUTS_SEQ], [41, BETWEEN_INPUTS_SEQ + 1]]);
    // Downstream: not dropped after input 41's own outputs, and they hide nothing from input 42.
    const source = new SourceReader(repartitionSource, stringSerde, stringSerde);
    const before = repartitionRecords([[[41, 0], [41, 1]]]);
    const between = repartitionRecords([[[41.5, 0]]], before.length);
    const after = repartitionRecords([[[42, 0]]], before.length + between.length);
    expect(read(source, [...before, ...between, ...after])).toEqual(['41/0', '41/1', '41.5/0', '42/0']);
  });

  test('the sink writes one run per repartition partition and upstream input partition; only its first record carries the positions', async () => {
    const sent: OutputRecord[] = [];
    const env = {
      taskId: '0_0',
      partition: 0,
      collector: { send: async (_topic: string, records: OutputRecord[]) => void sent.push(...records), partitionCount: async () => 3 },
    } as unknown as TaskEnvironment;
    const target: SinkTarget = { topic: 'app-g-repartition', keySerde: stringSerde, valueSerde: stringSerde, repartition: true, partitionCount: 3 };
    const origins = [0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, offset) => ({ topic: 'in', partition, offset })));
    // Two outputs per input record (seq 0 and 1), with keys spread over the three partitions.
    const records: AnyRecord[] = origins.flatMap((origin) => [0, 1].map((n) => ({ key: `key-${origin.offset * 2 + n + origin.partition}`, value: `${origin.partition}/${origin.offset}/${n}`, timestamp: 0, headers: [], origin })));
    await lastValueFrom(from(records).pipe(repartitionSink(target, env)), { defaultValue: null });

    expect(sent).toHaveLength(40);
    for (const r of sent) expect(r.partition).toBe(partitionForKey(Buffer.from(r.key as string), 3));
    let heads = 0;
    for (let p = 0; p < 3; p++) {
      const inPartition = sent.filter((r) => r.partition === p);
      heads += inPartition.filter((r) => r.headers.length > 0).length;
      // Positions, decoded run by run, are the records' own, in position order.
      const expected = inPartition.map((r) => {
        const [partition, offset, seq] = (r.value as string).split('/').map(Number);
        return ['in', partition, offset, seq];
      });
      expect(upstreamPositions(inPartition)).toEqual(expected);
      expect(expected).toEqual([...expected].sort((a, b) => (a[1] as number) - (b[1] as number) || (a[2] as number) - (b[2] as number) || (a[3] as number) - (b[3] as number)));
    }
    // Per partition: one run for upstream partition 0, one for 1.
    expect(heads).toBe(6);
  });

  test('a reader drops the records a restarted upstream task wrote again, and so does one restarted from the commit metadata in the middle of a run', () => {
    // Run A: positions 0..9. The upstream task restarts from offset 5 and writes run B: 5..14.
    const records = repartitionRecords([positions(0, 9), positions(5, 14)]);
    const once = new SourceReader(repartitionSource, stringSerde, stringSerde);
    expect(read(once, records)).toEqual(positions(0, 14).map(([o]) => `${o}/0`));

    // The downstream task commits after record 12 (position 7 of run B), then restarts.
    const before = new SourceReader(repartitionSource, stringSerde, stringSerde);
    expect(read(before, records.slice(0, 13))).toEqual(positions(0, 9).map(([o]) => `${o}/0`));
    const metadata = before.metadata(0);
    const after = new SourceReader(repartitionSource, stringSerde, stringSerde);
    after.restoreMetadata(0, metadata);
    // Positions 8 and 9 are dropped although their records carry no header.
    expect(read(after, records.slice(13))).toEqual(positions(10, 14).map(([o]) => `${o}/0`));

    // Without the metadata, nothing tells the rest of run B apart: every record is processed.
    const forgetful = new SourceReader(repartitionSource, stringSerde, stringSerde);
    expect(read(forgetful, records.slice(13))).toHaveLength(7);
  });

  test('a run cut short is replaced by the next one; records outside any run are kept', () => {
    const [a0, a1] = repartitionRecords([positions(0, 4)]); // the rest of run A never arrived
    const b = repartitionRecords([positions(2, 6)], 2);
    const reader = new SourceReader(repartitionSource, stringSerde, stringSerde);
    expect(read(reader, [a0, a1, ...b])).toEqual(['0/0', '1/0', '2/0', '3/0', '4/0', '5/0', '6/0']);
    const stray: InputRecord = { ...b[1], offset: 99, value: Buffer.from('stray') };
    expect(read(reader, [stray])).toEqual(['stray']);
    // The headers the reader hands on do not include the positions.
    expect(reader.read(repartitionRecords([positions(7, 7)])[0], 0)!.headers).toEqual([]);
  });
});
