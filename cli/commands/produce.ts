/**
 * `sluice produce TOPIC`: one record per stdin line, sent in pipelined chunks (one `send` of many
 * records per chunk read, a bounded number in flight), then `N records acknowledged` on stderr —
 * exactly the records the log acknowledged: a line the log refuses (over `max.message.bytes`) is
 * reported with its line number, the good lines around it are written and counted, and reading
 * stops after that chunk. Unknown topics are an error, never created.
 */
import { Option, type Command } from 'commander';
import type { CompressionType, Producer, ProducerRecord } from '../../core/index.js';
import { delimiter, nonNegativeInteger, separator } from '../arguments.js';
import { engineTarget, openForWriting, withCluster } from '../data-dir.js';
import { UsageError } from '../errors.js';
import { readLineBatches } from '../line-reader.js';
import { loadCore } from '../load-core.js';
import { formatCount, RateMeter, startStatusLine } from '../status-line.js';

/** Lines per `send`. */
const CHUNK_RECORDS = 2000;
/** Sends awaiting acknowledgement before reading more input (backpressure on stdin). */
const MAX_IN_FLIGHT_CHUNKS = 8;
const NEWLINE = Buffer.from('\n');
/** Refused line numbers listed in the summary. */
const MAX_LINES_SHOWN = 10;

interface ProduceOptions {
  partition?: number;
  keySeparator?: string;
  nullEmpty?: boolean;
  compression: CompressionType;
  key?: string;
  header?: string[];
  delimiter?: Buffer;
  tee?: boolean;
}

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('send one record per stdin line to a topic')
    .argument('<topic>', 'topic to produce to (must exist)')
    .option('-p, --partition <n>', 'send every record to this partition (default: by key, Kafka\'s partitioner)', nonNegativeInteger('-p', 'partition'))
    .option('-K, --key-separator <sep>', 'the text before the first SEP is the key (lines without SEP get a null key)', separator('-K'))
    .option('-k, --key <key>', 'the key of every record (kcat\'s -k)')
    .option('-H, --header <name=value>', 'a header on every record, repeatable (kcat\'s -H)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-D, --delimiter <delim>', 'what ends each record in the input (default a newline; \\n \\r \\t \\xNN understood)', delimiter('-D'))
    .option('-T, --tee', 'also write each record read to stdout (kcat\'s -T)')
    .option('-Z, --null-empty', 'send an empty key or value as null (a tombstone on compacted topics)')
    .addOption(
      new Option('-z, --compression <codec>', 'compress each batch (Kafka\'s compression.type)').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    )
    .addHelpText('after', '\nExamples:\n  $ printf "c-1:hello\\nc-2:world\\n" | sluice produce orders -K :\n  $ printf "a;b;" | sluice produce orders -D ";" -k c-1 -H source=cli')
    .action(async (topic: string, options: ProduceOptions, command: Command) => {
      if (options.key !== undefined && options.keySeparator !== undefined) throw new UsageError('-k and -K exclude each other: one fixed key, or a key from each line');
      const dataDir = engineTarget(command);
      const { bytesSerde, createProducer, UnknownPartitionError } = await loadCore();
      await withCluster(openForWriting(dataDir), async (cluster) => {
        const partitions = await cluster.partitionCount(topic); // UnknownTopicError before reading stdin
        if (options.partition !== undefined && options.partition >= partitions) throw new UnknownPartitionError(topic, options.partition, partitions);
        const producer = createProducer(cluster, {
          autoCreateTopics: false,
          keySerde: bytesSerde,
          valueSerde: bytesSerde,
          compression: options.compression,
        });
        await produceLines(producer, topic, options);
      });
    });
}

async function produceLines(producer: Producer<Uint8Array | null, Uint8Array | null>, topic: string, options: ProduceOptions): Promise<void> {
  const sep = options.keySeparator === undefined ? null : Buffer.from(options.keySeparator, 'utf8');
  const fixedKey = options.key === undefined ? undefined : Buffer.from(options.key, 'utf8');
  const headers = (options.header ?? []).map(parseHeader);
  const delimiter = options.delimiter;
  const meter = new RateMeter();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  let unconfirmed = 0; // records of sends that failed as a whole (nothing of them was acknowledged)
  const refusedLines: number[] = []; // 1-based input lines the log refused
  let linesRead = 0;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    process.stdin.destroy(); // ends the read loop; lines already read are still sent
  };
  process.once('SIGINT', onSigint);
  // Someone typing records at a terminal needs no status line redrawn over the echo.
  const status = startStatusLine(process.stderr, () => `produce ${topic}: ${formatCount(meter.total)} acknowledged, ${formatCount(meter.rate())} rec/s`, {
    when: !process.stdin.isTTY,
  });
  const empty = options.nullEmpty ? null : Buffer.alloc(0);
  const orNull = (b: Buffer): Buffer | null => (b.length === 0 ? empty : b);
  try {
    try {
      for await (const lines of readLineBatches(process.stdin, CHUNK_RECORDS, delimiter)) {
        if (options.tee) process.stdout.write(Buffer.concat(lines.flatMap((l) => [l, delimiter ?? NEWLINE])));
        const records = new Array<ProducerRecord<Uint8Array | null, Uint8Array | null>>(lines.length);
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i];
          const at = sep === null ? -1 : line.indexOf(sep);
          records[i] =
            at < 0
              ? { topic, key: fixedKey === undefined ? null : orNull(fixedKey), value: orNull(line), partition: options.partition }
              : { topic, key: orNull(line.subarray(0, at)), value: orNull(line.subarray(at + sep!.length)), partition: options.partition };
          if (headers.length > 0) records[i].headers = headers;
        }
        const firstLine = linesRead + 1;
        linesRead += lines.length;
        const sending: Promise<void> = producer.sendSettled(records).then(
          (outcomes) => {
            let acknowledged = 0;
            outcomes.forEach((o, i) => {
              if (o.status === 'fulfilled') acknowledged++;
              else {
                failure ??= { error: o.reason };
                refusedLines.push(firstLine + i);
              }
            });
            meter.add(acknowledged);
          },
          (error: unknown) => {
            failure ??= { error };
            unconfirmed += records.length;
          },
        );
        inFlight.add(sending);
        void sending.then(() => inFlight.delete(sending));
        while (inFlight.size >= MAX_IN_FLIGHT_CHUNKS) await Promise.race(inFlight);
        if (failure) break;
      }
    } catch (error) {
      // Destroying stdin on SIGINT ends the iteration with a premature-close error.
      if (!interrupted) throw error;
    }
    await Promise.all(inFlight);
    await producer.close();
  } finally {
    process.off('SIGINT', onSigint);
    status.stop();
    const parts = [`${meter.total} record${meter.total === 1 ? '' : 's'} acknowledged`];
    if (refusedLines.length > 0) {
      refusedLines.sort((a, b) => a - b);
      const shown = refusedLines.slice(0, MAX_LINES_SHOWN).join(', ');
      parts.push(`${refusedLines.length} refused (line${refusedLines.length === 1 ? '' : 's'} ${shown}${refusedLines.length > MAX_LINES_SHOWN ? ', …' : ''})`);
    }
    if (unconfirmed > 0) parts.push(`${unconfirmed} not sent`);
    process.stderr.write(`${parts.join('; ')}\n`);
  }
  if (failure) throw (failure as { error: unknown }).error;
}

/** `-H name=value` as a header (the value may be empty; the name may not). */
function parseHeader(text: string): { key: string; value: Buffer } {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`-H: expected name=value, got "${text}"`);
  return { key: text.slice(0, at), value: Buffer.from(text.slice(at + 1), 'utf8') };
}

