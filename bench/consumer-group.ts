/**
 * Consumer group throughput and rebalance latency: a group of 4 consumers reads an 8-partition
 * topic of 1,000,000 keyed 100-byte records, each committing after every 1,000 records it
 * processes; then a 5th member joins an idle group and we time until every member holds its new
 * assignment (eager `range` vs `cooperative-sticky`, whose follow-up rebalance is included).
 *
 *   npx tsx bench/consumer-group.ts [--records N] [--runs N] [--memory] [--heartbeat-ms N]
 */
import { subscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGroupConsumer, createProducer, openCluster, type Broker, type GroupConsumer, type ProducerRecord, type TopicPartition } from '../core/index.js';
import { fmt, measure, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    memory: { type: 'boolean', default: false },
    'heartbeat-ms': { type: 'string', default: '100' },
    'rebalance-trials': { type: 'string', default: '5' },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const HEARTBEAT_MS = Number(args['heartbeat-ms']);
const TRIALS = Number(args['rebalance-trials']);
const PARTITIONS = 8;
const CONSUMERS = 4;
const COMMIT_EVERY = 1000;
const VALUE = 'v'.repeat(100 - 16);

interface AssignmentEvent {
  groupId: string;
  memberId: string;
  generationId: number;
  assigned: TopicPartition[];
}
const assignments: AssignmentEvent[] = [];
subscribe('sluice:group:assignment', (m) => void assignments.push(m as AssignmentEvent));

async function produceAll(cluster: Broker): Promise<number> {
  const start = performance.now();
  const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += 1000) {
    const chunk: ProducerRecord<string, string>[] = [];
    for (let j = i; j < Math.min(i + 1000, RECORDS); j++) chunk.push({ topic: 'bench', key: `key-${String(j % 100_000).padStart(12, '0')}`, value: VALUE });
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  return performance.now() - start;
}

/** A member that polls until stopped, committing after every COMMIT_EVERY records. */
class Member {
  readonly consumer: GroupConsumer;
  count = 0;
  commits = 0;
  #sinceCommit = 0;
  #running = true;
  readonly done: Promise<void>;

  constructor(cluster: Broker, groupId: string, assignor: string, onRecords: (n: number) => void) {
    this.consumer = createGroupConsumer(cluster, {
      groupId,
      topics: ['bench'],
      assignors: [assignor],
      autoOffsetReset: 'earliest',
      enableAutoCommit: false,
      maxPollRecords: COMMIT_EVERY,
      heartbeatIntervalMs: HEARTBEAT_MS,
      sessionTimeoutMs: 10_000,
      listener: { onPartitionsRevoked: () => this.consumer.commitSync() },
    });
    this.done = this.#run(onRecords);
  }

  async #run(onRecords: (n: number) => void): Promise<void> {
    while (this.#running) {
      const records = await this.consumer.poll({ timeoutMs: 100 });
      if (records.length === 0) continue;
      this.count += records.length;
      this.#sinceCommit += records.length;
      if (this.#sinceCommit >= COMMIT_EVERY) {
        await this.consumer.commitSync();
        this.commits++;
        this.#sinceCommit = 0;
      }
      onRecords(records.length);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.done;
    await this.consumer.close();
  }
}

/** Resolves when every member's latest assignment is from one generation and covers every partition once. */
async function settled(groupId: string, members: Member[]): Promise<number> {
  for (;;) {
    const latest = new Map<string, AssignmentEvent>();
    for (const e of assignments) if (e.groupId === groupId) latest.set(e.memberId, e);
    const ids = members.map((m) => m.consumer.groupMetadata().memberId);
    const events = ids.map((id) => latest.get(id));
    if (events.every((e) => e !== undefined)) {
      const generation = events[0]!.generationId;
      const partitions = events.flatMap((e) => e!.assigned.map((tp) => tp.partition));
      const covered = partitions.length === PARTITIONS && new Set(partitions).size === PARTITIONS;
      if (covered && events.every((e) => e!.generationId === generation && members.every((m) => m.consumer.groupMetadata().generationId === generation))) return generation;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

const dataDir = args.memory ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-group-'));
// Kafka's group.initial.rebalance.delay.ms (default 3 s there, 0 here) lets the 4 members form
// generation 1 together, so the throughput run measures 4 consumers, not one plus rebalances.
const JOIN_DELAY_MS = 300;
const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0, groupInitialRebalanceDelayMs: JOIN_DELAY_MS });
try {
  await cluster.createTopic('bench', { partitions: PARTITIONS });
  console.log(
    `${fmt(RECORDS)} records of 100 bytes, ${PARTITIONS} partitions, ${args.memory ? 'in memory' : 'file-backed (default flush mode)'}, ` +
      `${CONSUMERS} consumers committing every ${fmt(COMMIT_EVERY)} records, heartbeat ${HEARTBEAT_MS} ms, Node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const produceMs = await produceAll(cluster);
  console.log(`produce (setup)                                            ${fmt(RECORDS / (produceMs / 1000)).padStart(12)} records/s`);

  const joinTimes: number[] = [];
  let commitCount = 0;
  let perMember: number[] = [];
  let measured = 0;
  await measure(`consume, group of ${CONSUMERS} (range), commit every ${COMMIT_EVERY}`, RUNS, async (run) => {
    const groupId = `throughput-${run}`;
    let total = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const joinStart = performance.now();
    const members = Array.from({ length: CONSUMERS }, () => new Member(cluster, groupId, 'range', (n) => (total += n) >= RECORDS && finish()));
    await settled(groupId, members);
    const start = performance.now();
    const before = total; // (consumed while the last members were still being assigned)
    joinTimes.push(start - joinStart);
    await finished;
    const ms = performance.now() - start;
    measured = RECORDS - before;
    commitCount = members.reduce((a, m) => a + m.commits, 0);
    const counts = members.map((m) => m.count);
    await Promise.all(members.map((m) => m.stop()));
    if (counts.reduce((a, b) => a + b, 0) !== RECORDS) throw new Error(`consumed ${counts} records, expected ${RECORDS} in all`);
    perMember = counts;
    return { records: measured, bytes: measured * 100, ms };
  });
  console.log(
    `  (from the moment all ${CONSUMERS} members hold their partitions; forming the group took a median ${median(joinTimes).toFixed(0)} ms ` +
      `with group.initial.rebalance.delay.ms=${JOIN_DELAY_MS}; last run: ${fmt(measured)} records measured, ${fmt(commitCount)} commits, records per member ${perMember.map(fmt).join(' / ')})`,
  );

  for (const assignor of ['range', 'cooperative-sticky']) {
    const groupId = `rebalance-${assignor}`;
    const members = Array.from({ length: CONSUMERS }, () => new Member(cluster, groupId, assignor, () => {}));
    await settled(groupId, members);
    const times: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const start = performance.now();
      const fifth = new Member(cluster, groupId, assignor, () => {});
      await settled(groupId, [...members, fifth]);
      times.push(performance.now() - start);
      await fifth.stop();
      await settled(groupId, members);
    }
    console.log(
      `rebalance: 5th member joins a group of ${CONSUMERS} (${assignor.padEnd(18)})  median ${median(times).toFixed(1).padStart(7)} ms   (trials: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
    );
    await Promise.all(members.map((m) => m.stop()));
  }
} finally {
  await cluster.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
