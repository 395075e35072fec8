/**
 * `sluice topics create|list|describe|delete|alter`. `list` and `describe` open the data directory
 * read-only, so they work while a pipeline owns it; the others take the lock.
 */
import type { Command } from 'commander';
import type { LogConfigInput, TopicDescription } from '../../core/index.js';
import { keyValue, positiveInteger } from '../arguments.js';
import { openForReading, openForWriting, engineLocation, withCluster } from '../data-dir.js';
import { asUsage } from '../errors.js';
import { loadCore } from '../load-core.js';
import { formatTable } from '../table.js';

interface GlobalOptions {
  dataDir: string;
}


export function registerTopicsCommand(program: Command): void {
  const topics = program
    .command('topics')
    .description('create, list, describe, delete and alter topics')
    .addHelpText('after', '\nExample:\n  $ sluice topics create orders -p 8 -c retention.ms=86400000');

  topics
    .command('create')
    .description('create a topic')
    .argument('<name>', 'topic name (letters, digits, ".", "_", "-")')
    .option('-p, --partitions <count>', 'number of partitions', positiveInteger('-p', 'partition count'), 1)
    .option('-c, --config <key=value>', 'topic config override, repeatable (e.g. cleanup.policy=compact)', keyValue('-c'))
    .option('--if-not-exists', 'succeed quietly when the topic already exists')
    .addHelpText('after', '\nExample:\n  $ sluice topics create orders -p 8 -c retention.ms=86400000 -c segment.bytes=104857600')
    .action(async (name: string, options: { partitions: number; config?: Record<string, string>; ifNotExists?: boolean }, command: Command) => {
      const { createAdmin, parseLogConfig, TopicExistsError } = await loadCore();
      // Validated here, before the directory is opened (or created), so a bad name changes nothing.
      const { validateTopicName } = await import('../../core/engine/topic-registry.js');
      const config = (options.config ?? {}) as LogConfigInput;
      asUsage(() => validateTopicName(name));
      asUsage(() => parseLogConfig(config));
      await withCluster(openForWriting(engineLocation(command), { create: true }), async (cluster) => {
        try {
          const created = await createAdmin(cluster).createTopics([{ topic: name, numPartitions: options.partitions, configs: config }]);
          const n = created[0].partitions.length;
          process.stdout.write(`created topic ${name} with ${n} partition${n === 1 ? '' : 's'}\n`);
        } catch (error) {
          if (!(options.ifNotExists && error instanceof TopicExistsError)) throw error;
        }
      });
    });

  topics
    .command('list')
    .description('list topics, one per line (read-only)')
    .option('-a, --all', 'include internal topics (names starting with "__")')
    .addHelpText('after', '\nExample:\n  $ sluice topics list --data-dir /var/lib/sluice')
    .action(async (options: { all?: boolean }, command: Command) => {
      const { createAdmin } = await loadCore();
      await withCluster(openForReading(engineLocation(command)), async (cluster) => {
        const names = await createAdmin(cluster).listTopics({ includeInternal: options.all === true });
        process.stdout.write(names.map((n) => `${n}\n`).join(''));
      });
    });

  topics
    .command('describe')
    .description('show partitions (start/end offsets, bytes, segments) and config overrides (read-only)')
    .argument('<name>', 'topic name')
    .option('--json', 'print the description as JSON (with the full effective config)')
    .addHelpText('after', '\nExample:\n  $ sluice topics describe orders')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const { createAdmin } = await loadCore();
      await withCluster(openForReading(engineLocation(command)), async (cluster) => {
        const [description] = await createAdmin(cluster).describeTopics([name]);
        process.stdout.write(options.json ? `${JSON.stringify(description, null, 2)}\n` : describeText(description));
      });
    });

  topics
    .command('delete')
    .description('delete a topic and all its data')
    .argument('<name>', 'topic name')
    .addHelpText('after', '\nExample:\n  $ sluice topics delete orders')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { createAdmin } = await loadCore();
      await withCluster(openForWriting(engineLocation(command)), async (cluster) => {
        await createAdmin(cluster).deleteTopics([name]);
        process.stdout.write(`deleted topic ${name}\n`);
      });
    });

  topics
    .command('alter')
    .description('add partitions to a topic (partitions cannot be removed)')
    .argument('<name>', 'topic name')
    .requiredOption('-p, --partitions <count>', 'new total number of partitions', positiveInteger('-p', 'partition count'))
    .addHelpText('after', '\nExample:\n  $ sluice topics alter orders -p 16')
    .action(async (name: string, options: { partitions: number }, command: Command) => {
      const { createAdmin } = await loadCore();
      await withCluster(openForWriting(engineLocation(command)), async (cluster) => {
        await createAdmin(cluster).createPartitions(name, options.partitions);
        process.stdout.write(`topic ${name} now has ${options.partitions} partitions\n`);
      });
    });
}

/** `describe`'s text form: a header line, then one row per partition. */
export function describeText(d: TopicDescription): string {
  const overrides = Object.entries(d.overrides).map(([k, v]) => `${k}=${v}`);
  const header = `Topic: ${d.name}\tPartitions: ${d.partitions.length}\tConfig: ${overrides.length > 0 ? overrides.join(',') : '(defaults)'}\n`;
  const rows = d.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.sizeInBytes, p.segments].map(String));
  return header + formatTable(['PARTITION', 'START', 'END', 'BYTES', 'SEGMENTS'], rows);
}
