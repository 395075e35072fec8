/**
 * `sluice groups list|describe|reset-offsets|delete`, in the manner of Kafka's
 * kafka-consumer-groups.sh. Listing and describing open the data directory read-only (they work
 * while a pipeline owns it, and then show committed offsets; members live in the owning process).
 * Resetting and deleting take the lock: the engine refuses them while the group has members, and
 * the lock refuses them while another process owns the directory.
 */
import type { Command } from 'commander';
import type { Admin } from '../../core/index.js';
import { engineTarget, openForReading, openForWriting, withCluster, type EngineTarget } from '../data-dir.js';
import { UsageError } from '../errors.js';
import { loadCore } from '../load-core.js';
import { resetTarget, type ResetTargetOptions } from '../reset-target.js';
import { formatTable } from '../table.js';

interface ResetOptions extends ResetTargetOptions {
  topic?: string[];
  dryRun?: boolean;
  execute?: boolean;
}

const dataDirOf = (command: Command): EngineTarget => engineTarget(command);

async function admin(cluster: Parameters<Parameters<typeof withCluster>[1]>[0]): Promise<Admin> {
  const { createAdmin } = await loadCore();
  return createAdmin(cluster);
}

export function registerGroupsCommand(program: Command): void {
  const groups = program
    .command('groups')
    .description('list, describe, reset and delete consumer groups')
    .addHelpText('after', '\nExample:\n  $ sluice groups describe billing');

  groups
    .command('list')
    .description('group ids with their state (read-only)')
    .addHelpText('after', '\nExample:\n  $ sluice groups list')
    .action(async (_options: unknown, command: Command) => {
      await withCluster(openForReading(dataDirOf(command)), async (cluster) => {
        const listing = await (await admin(cluster)).listGroups();
        const rows = listing.sort((a, b) => a.groupId.localeCompare(b.groupId)).map((g) => [g.groupId, g.state, g.protocolType || '-']);
        process.stdout.write(formatTable(['GROUP', 'STATE', 'PROTOCOL'], rows));
      });
    });

  groups
    .command('describe')
    .description('members, assignment, committed offset, end offset and lag per partition (read-only)')
    .argument('<group>', 'group id')
    .option('--json', 'print the description as JSON')
    .addHelpText('after', '\nExample:\n  $ sluice groups describe billing')
    .action(async (groupId: string, options: { json?: boolean }, command: Command) => {
      await withCluster(openForReading(dataDirOf(command)), async (cluster) => {
        const { GroupIdNotFoundError } = await loadCore();
        const group = await (await admin(cluster)).describeGroup(groupId);
        if (group.state === 'Dead' && group.offsets.length === 0) throw new GroupIdNotFoundError(groupId);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(group, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `Group: ${group.groupId}\tState: ${group.state}\tAssignor: ${group.assignor || '-'}\tGeneration: ${group.generationId}\tMembers: ${group.members.length}\tLag: ${group.totalLag}\n`,
        );
        const show = (n: number | null): string => (n === null ? '-' : String(n));
        const rows = group.offsets.map((o) => [o.topic, String(o.partition), show(o.committedOffset), show(o.logEndOffset), show(o.lag), o.memberId ?? '-']);
        process.stdout.write(formatTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'], rows));
      });
    });

  groups
    .command('reset-offsets')
    .description("move a group's committed offsets (refused while the group has active members)")
    .argument('<group>', 'group id')
    .option('--topic <topic>', 'topic to reset, repeatable (default: every topic the group committed)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--to-earliest', 'to the start of each partition')
    .option('--to-latest', 'to the end of each partition')
    .option('--to-offset <n>', 'to this offset (clamped to the log)')
    .option('--to-datetime <iso>', 'to the first offset at or after this time (ISO 8601)')
    .option('--dry-run', 'print the new offsets without committing them (the default)')
    .option('--execute', 'commit the new offsets (without it, as kafka-consumer-groups, only the plan is printed)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ sluice groups reset-offsets billing --topic orders --to-datetime 2026-11-23T00:00:00Z            # preview\n  $ sluice groups reset-offsets billing --topic orders --to-datetime 2026-11-23T00:00:00Z --execute  # commit',
    )
    .action(async (groupId: string, options: ResetOptions, command: Command) => {
      const to = resetTarget(options);
      if (options.dryRun && options.execute) throw new UsageError('reset-offsets takes --dry-run or --execute, not both');
      const execute = options.execute === true;
      await withCluster(openForWriting(dataDirOf(command)), async (cluster) => {
        const resets = await (await admin(cluster)).resetGroupOffsets(groupId, { topics: options.topic, to, dryRun: !execute });
        const rows = resets.map((r) => [r.topic, String(r.partition), r.previousOffset === null ? '-' : String(r.previousOffset), String(r.newOffset)]);
        process.stdout.write(formatTable(['TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET'], rows));
        if (!execute) process.stderr.write('nothing committed: this is the plan; add --execute to commit these offsets\n');
      });
    });

  groups
    .command('delete')
    .description('delete a group and its committed offsets (refused while it has active members)')
    .argument('<group>', 'group id')
    .addHelpText('after', '\nExample:\n  $ sluice groups delete billing')
    .action(async (groupId: string, _options: unknown, command: Command) => {
      await withCluster(openForWriting(dataDirOf(command)), async (cluster) => {
        await (await admin(cluster)).deleteGroups([groupId]);
        process.stderr.write(`deleted group ${groupId}\n`);
      });
    });
}
