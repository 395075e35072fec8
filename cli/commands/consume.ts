/**
 * `sluice consume TOPIC`: reads partitions without a group, through a read-only view of the data
 * directory (so it works while a pipeline owns it), and writes one formatted record per line.
 * Stops at `-c COUNT` records, at the end of every partition with `-e`, on SIGINT, or when stdout
 * closes (EPIPE, e.g. `| head -3`) — always with exit code 0.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import type { Cluster, Consumer, ConsumerRecord, TopicPartition } from '../../core/index.js';
import { nonNegativeInteger, positiveInteger, separator } from '../arguments.js';
import { openForReading, openForWriting, engineLocation, withCluster } from '../data-dir.js';
import { UsageError } from '../errors.js';
import { compileFormat, defaultFormatter, OutputChunk, type RecordFormatter } from '../format.js';
import { loadCore, type Core } from '../load-core.js';
import { parseStartOffset, resolveStartOffset, type StartOffset } from '../offset-spec.js';
import { formatCount, RateMeter, startStatusLine } from '../status-line.js';

interface ConsumeOptions {
  group?: string;
  partition?: number;
  offset: StartOffset;
  count?: number;
  exit?: boolean;
  format?: string;
  keySeparator?: string;
}

/** Records per poll, and so per stdout write at most. */
const MAX_POLL_RECORDS = 1000;

export function registerConsumeCommand(program: Command): void {
  program
    .command('consume')
    .description('write the records of a topic to stdout, one per line (read-only without -G; with -G a group member that commits)')
    .argument('<topic>', 'topic to read')
    .option(
      '-G, --group <group>',
      'join this consumer group and commit after writing each poll (opens the data dir for writing; members of one group share one process)',
    )
    .option('-p, --partition <n>', 'read only this partition (default: all)', nonNegativeInteger('-p', 'partition'))
    .option(
      '-o, --offset <spec>',
      'where to start: beginning, end, OFFSET, -N (N before the end of each partition), s@TIMESTAMP_MS',
      parseStartOffset,
      { kind: 'end' } satisfies StartOffset,
    )
    .option('-c, --count <n>', 'exit after N records', positiveInteger('-c', 'record count'))
    .option('-e, --exit', 'exit once every partition reached its end')
    .option('-f, --format <fmt>', 'kcat output format: %t %p %o %T %k %s %K %S %h %%, \\n \\t \\\\ (default: the value and a newline)')
    .option('-K, --key-separator <sep>', 'without -f: print the key, SEP, then the value', separator('-K'))
    .addHelpText('after', "\nExamples:\n  $ sluice consume orders -o beginning -e -f '%p:%o %k=%s\\n'\n  $ sluice consume orders -G billing -o beginning -e")
    .action(async (topic: string, options: ConsumeOptions, command: Command) => {
      const formatter = options.format !== undefined ? compileFormat(options.format) : defaultFormatter(options.keySeparator);
      const engine = engineLocation(command);
      if (options.group !== undefined) {
        if (options.partition !== undefined) throw new UsageError('-G and -p exclude each other: a group assigns the partitions');
        if (options.offset.kind !== 'beginning' && options.offset.kind !== 'end') {
          throw new UsageError('with -G, -o takes beginning or end: where partitions without a committed offset start');
        }
        await withCluster(openForWriting(engine), (cluster) => consumeInGroup(cluster, topic, options.group!, options, formatter));
        return;
      }
      await withCluster(openForReading(engine), (cluster) => consume(cluster, topic, options, formatter));
    });
}

async function consume(cluster: Cluster, topic: string, options: ConsumeOptions, formatter: RecordFormatter): Promise<void> {
  const { ClosedError, createConsumer, UnknownPartitionError } = await loadCore();
  const count = await cluster.partitionCount(topic);
  if (options.partition !== undefined && options.partition >= count) throw new UnknownPartitionError(topic, options.partition, count);
  const assignment: TopicPartition[] =
    options.partition !== undefined ? [{ topic, partition: options.partition }] : Array.from({ length: count }, (_, partition) => ({ topic, partition }));
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: MAX_POLL_RECORDS });
  consumer.assign(assignment);
  for (const tp of assignment) consumer.seek(tp, await resolveStartOffset(cluster, tp, options.offset));
  await pump(consumer, { topic, options, formatter, ClosedError, lag: () => lag(cluster, consumer, assignment) });
}

/** `consume -G`: a group member; commits what was written after each poll (at-least-once). */
async function consumeInGroup(cluster: Cluster, topic: string, groupId: string, options: ConsumeOptions, formatter: RecordFormatter): Promise<void> {
  const { ClosedError, createGroupConsumer } = await loadCore();
  await cluster.partitionCount(topic); // an unknown topic fails here, clearly
  const consumer = createGroupConsumer(cluster, {
    groupId,
    topics: [topic],
    enableAutoCommit: false,
    autoOffsetReset: options.offset.kind === 'beginning' ? 'earliest' : 'latest',
    maxPollRecords: MAX_POLL_RECORDS,
  });
  await pump(consumer, {
    topic,
    options,
    formatter,
    ClosedError,
    afterWrite: () => consumer.commitSync(),
    // Before the first rebalance there is no assignment: not "caught up" yet.
    lag: async () => (consumer.assignment().length === 0 ? Infinity : lag(cluster, consumer, consumer.assignment())),
  });
}

interface PumpSource {
  poll(options: { maxRecords: number; timeoutMs: number }): Promise<readonly ConsumerRecord[]>;
  close(): Promise<void>;
}

interface PumpOptions {
  topic: string;
  options: ConsumeOptions;
  formatter: RecordFormatter;
  ClosedError: Core['ClosedError'];
  lag: () => Promise<number>;
  /** After a poll's records were handed to stdout (group mode commits here). */
  afterWrite?: () => Promise<void>;
}

/** Polls `consumer` and writes records until -c, -e, SIGINT or a closed stdout. */
async function pump(consumer: PumpSource, { topic, options, formatter, ClosedError, lag: currentLag, afterWrite }: PumpOptions): Promise<void> {

  let stopping = false;
  const stop = (): void => {
    stopping = true;
    void consumer.close(); // ends a long poll in progress
  };
  let outputError: Error | null = null;
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    // EPIPE: the reader went away (`| head -3`), a normal way to stop. Anything else is reported.
    if (error.code !== 'EPIPE') outputError ??= error;
    stop();
  };
  process.stdout.on('error', onStdoutError);
  process.once('SIGINT', stop);
  const meter = new RateMeter();
  // With stdout on the same terminal, a redrawn status line would garble the records: show it
  // only when the records go to a pipe or a file.
  const status = startStatusLine(
    process.stderr,
    async () => {
      const rate = meter.rate();
      return `consume ${topic}: ${formatCount(meter.total)} records, ${formatCount(rate)} rec/s, lag ${formatCount(await currentLag())}`;
    },
    { when: !process.stdout.isTTY },
  );
  const out = new OutputChunk();
  let remaining = options.count ?? Infinity;
  try {
    while (!stopping && remaining > 0) {
      const records = await consumer.poll({ maxRecords: Math.min(MAX_POLL_RECORDS, remaining), timeoutMs: options.exit ? 100 : 500 });
      if (records.length > 0) {
        for (const record of records) formatter.write(record, out);
        remaining -= records.length;
        meter.add(records.length);
        if (!process.stdout.write(out.take())) await drained();
        await afterWrite?.();
      }
      if (options.exit && records.length < MAX_POLL_RECORDS && (await currentLag()) === 0) break;
    }
  } catch (error) {
    if (!(stopping && error instanceof ClosedError)) throw error;
  } finally {
    status.stop();
    process.off('SIGINT', stop);
    await consumer.close();
  }
  if (outputError) throw outputError;

  async function drained(): Promise<void> {
    try {
      await once(process.stdout, 'drain');
    } catch {
      stop(); // stdout failed while we waited
    }
  }
}

/** Records between each partition's position and its end, summed. */
async function lag(cluster: Cluster, consumer: Pick<Consumer, 'position'>, assignment: readonly TopicPartition[]): Promise<number> {
  let total = 0;
  for (const tp of assignment) {
    const [position, end] = await Promise.all([consumer.position(tp), cluster.listOffset(tp.topic, tp.partition, 'latest')]);
    total += Math.max(0, end - position);
  }
  return total;
}
