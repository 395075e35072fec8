/**
 * `sluice produce TOPIC`: one record per stdin line, sent in pipelined chunks (one `send` of many
 * records per chunk read, a bounded number in flight), then `N records acknowledged` on stderr.
 * Unknown topics are an error, never created.
 */
import { Option, type Command } from 'commander';
import type { CompressionType, Producer, ProducerRecord } from '../../core/index.js';
import { nonNegativeInteger, separator } from '../arguments.js';
import { openForWriting, engineLocation, withCluster } from '../data-dir.js';
import { readLineBatches } from '../line-reader.js';
import { loadCore } from '../load-core.js';
import { formatCount, RateMeter, startStatusLine } from '../status-line.js';

/** Lines per `send`. */
const CHUNK_RECORDS = 2000;
/** Sends awaiting acknowledgement before reading more input (backpressure on stdin). */
const MAX_IN_FLIGHT_CHUNKS = 8;

interface ProduceOptions {
  partition?: number;
  keySeparator?: string;
  nullEmpty?: boolean;
  compression: CompressionType;
}

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('send one record per stdin line to a topic')
    .argument('<topic>', 'topic to produce to (must exist)')
    .option('-p, --partition <n>', 'send every record to this partition (default: by key, Kafka\'s partitioner)', nonNegativeInteger('-p', 'partition'))
    .option('-K, --key-separator <sep>', 'the text before the first SEP is the key (lines without SEP get a null key)', separator('-K'))
    .option('-Z, --null-empty', 'send an empty key or value as null (a tombstone on compacted topics)')
    .addOption(
      new Option('-z, --compression <codec>', 'compress each batch (Kafka\'s compression.type)').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    )
    .addHelpText('after', '\nExample:\n  $ printf "c-1:hello\\nc-2:world\\n" | sluice produce orders -K :')
    .action(async (topic: string, options: ProduceOptions, command: Command) => {
      const engine = engineLocation(command);
      const { bytesSerde, createProducer, UnknownPartitionError } = await loadCore();
      await withCluster(openForWriting(engine), async (cluster) => {
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
  const meter = new RateMeter();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  let unconfirmed = 0; // records of failed sends: some of their batches may have been written
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
      for await (const lines of readLineBatches(process.stdin, CHUNK_RECORDS)) {
        const records = new Array<ProducerRecord<Uint8Array | null, Uint8Array | null>>(lines.length);
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i];
          const at = sep === null ? -1 : line.indexOf(sep);
          records[i] =
            at < 0
              ? { topic, key: null, value: orNull(line), partition: options.partition }
              : { topic, key: orNull(line.subarray(0, at)), value: orNull(line.subarray(at + sep!.length)), partition: options.partition };
        }
        const sending: Promise<void> = producer.send(records).then(
          (acks) => meter.add(acks.length),
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
    const acknowledged = `${meter.total} record${meter.total === 1 ? '' : 's'} acknowledged`;
    process.stderr.write(unconfirmed === 0 ? `${acknowledged}\n` : `${acknowledged}; sends of ${unconfirmed} more failed (some of those may have been written)\n`);
  }
  if (failure) throw (failure as { error: unknown }).error;
}
