/**
 * The message browser's live tail as server-sent events (the browser's `EventSource`): one
 * `records` event per fetched batch of records, each event's `id` the offset after its last record,
 * so that a reconnecting `EventSource` (which sends `Last-Event-ID`) resumes where it stopped,
 * without a gap or a repeat. The server long-polls the engine (`Cluster.fetch` with `maxWaitMs`
 * through a consumer's `poll`), so a record appears as soon as the engine has it — no polling
 * interval in the page. A comment line every wait keeps proxies and the browser from timing out.
 *
 *   event: records
 *   id: 42
 *   data: [ShownRecord, …]
 */
import type http from 'node:http';
import { createConsumer, type Cluster } from '../../core/index.js';
import { showRecord } from './console-data.js';

export interface TailOptions {
  topic: string;
  partition: number;
  /** The first offset to send (default: the log end: only records produced from now on). */
  offset?: number;
  /** Keys and values are cut at this many bytes (default 64 KiB). */
  maxValueBytes?: number;
  /** How long one engine wait lasts before a keep-alive comment (default 5 s). */
  waitMs?: number;
}

/** Streams `options.topic`/`partition` to `res` until the client goes away (or `signal` aborts). */
export async function streamTail(cluster: Cluster, req: http.IncomingMessage, res: http.ServerResponse, options: TailOptions, headers: Record<string, string>): Promise<void> {
  const tp = { topic: options.topic, partition: options.partition };
  const resumeAt = Number(req.headers['last-event-id']);
  const from = Number.isSafeInteger(resumeAt) && resumeAt >= 0 ? resumeAt : (options.offset ?? (await cluster.listOffset(tp.topic, tp.partition, 'latest')));
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
  // The first line flushes the headers: the page knows it is connected before any record.
  res.write(`retry: 1000\n: tailing ${tp.topic}-${tp.partition} from ${from}\n\n`);
  const consumer = createConsumer(cluster, { autoOffsetReset: 'latest' });
  try {
    consumer.assign([tp]);
    consumer.seek(tp, from);
    const max = options.maxValueBytes ?? 64 * 1024;
    while (!gone.signal.aborted) {
      const records = await consumer.poll({ maxRecords: 200, timeoutMs: options.waitMs ?? 5000 });
      if (gone.signal.aborted) break;
      if (records.length === 0) {
        res.write(': waiting\n\n');
        continue;
      }
      const next = records[records.length - 1].offset + 1;
      // A slow browser holds the tail back rather than the server's memory.
      if (!res.write(`event: records\nid: ${next}\ndata: ${JSON.stringify(records.map((r) => showRecord(r, max)))}\n\n`)) await drained(res);
    }
  } finally {
    await consumer.close();
    res.end();
  }
}

function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
