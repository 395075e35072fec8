/**
 * Drives a consumer group in-process for tests: members that poll, process (record what they
 * processed, with their generation), commit after each batch and in onPartitionsRevoked; a
 * background producer; and checks of the group's invariants.
 */
import { expect, onTestFinished } from 'vitest';
import type { Broker, GroupConsumerOptions, TopicPartition } from '../../../core/index.js';
import { createAdmin, createGroupConsumer, createProducer, GroupConsumer } from '../../../core/index.js';

export interface Processed {
  member: string;
  generation: number;
  topic: string;
  partition: number;
  offset: number;
}

export interface ListenerEvent {
  member: string;
  kind: 'assigned' | 'revoked' | 'lost';
  generation: number;
  partitions: string[];
}

export const tpName = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class GroupHarness {
  readonly processed: Processed[] = [];
  readonly events: ListenerEvent[] = [];
  readonly members = new Map<string, HarnessMember>();
  #producing = true;
  #producer: Promise<void> | null = null;

  constructor(
    readonly cluster: Broker,
    readonly topic: string,
    readonly partitions: number,
    readonly base: Partial<GroupConsumerOptions<string, string>> & { groupId: string },
  ) {
    onTestFinished(async () => {
      this.#producing = false;
      await this.#producer;
      await Promise.all([...this.members.values()].map((m) => m.stop({ leaveGroup: false }).catch(() => {})));
    });
  }

  /** Produces small batches to every partition until the test ends. */
  startProducing(): void {
    const producer = createProducer<string, string>(this.cluster, { lingerMs: 0 });
    let n = 0;
    this.#producer = (async () => {
      while (this.#producing) {
        await producer.send(Array.from({ length: this.partitions * 2 }, (_, i) => ({ topic: this.topic, partition: i % this.partitions, value: `r${n++}` })));
        await sleep(5);
      }
      await producer.close();
    })();
  }

  start(name: string, options: Partial<GroupConsumerOptions<string, string>> = {}): HarnessMember {
    const member = new HarnessMember(this, name, { ...this.base, ...options });
    this.members.set(name, member);
    return member;
  }

  live(): HarnessMember[] {
    return [...this.members.values()].filter((m) => m.running);
  }

  /**
   * Waits until the group is Stable with exactly the live members, all at its generation and
   * holding what the coordinator assigned them, and stays so for `quietMs` (a cooperative
   * follow-up rebalance would show up meanwhile).
   */
  async settled(quietMs = 300, timeoutMs = 8000): Promise<Map<string, string>> {
    const admin = createAdmin(this.cluster);
    const deadline = Date.now() + timeoutMs;
    let stableSince = 0;
    let lastGeneration = -1;
    for (;;) {
      const group = await admin.describeGroup(this.base.groupId);
      const live = this.live();
      const ok =
        group.state === 'Stable' &&
        group.members.length === live.length &&
        live.every((m) => {
          const meta = m.consumer.groupMetadata();
          const described = group.members.find((d) => d.memberId === meta.memberId);
          return meta.generationId === group.generationId && described && sameSet(described.assignment.map(tpName), m.consumer.assignment().map(tpName));
        });
      if (ok && group.generationId === lastGeneration) {
        if (Date.now() - stableSince >= quietMs) return this.owners();
      } else {
        stableSince = Date.now();
        lastGeneration = ok ? group.generationId : -1;
      }
      if (Date.now() > deadline) throw new Error(`group did not settle: ${JSON.stringify(group.members.map((m) => [m.clientId, m.assignment.map(tpName)]))} state ${group.state}`);
      await sleep(20);
    }
  }

  /** Partition name → live member name, asserting each partition is held by exactly one member. */
  owners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const m of this.live()) {
      for (const tp of m.consumer.assignment()) {
        expect(owners.has(tpName(tp)), `${tpName(tp)} is held by ${owners.get(tpName(tp))} and ${m.name}`).toBe(false);
        owners.set(tpName(tp), m.name);
      }
    }
    return owners;
  }

  /** Every partition of the topic is held by exactly one live member. */
  expectFullCoverage(owners: Map<string, string>): void {
    expect([...owners.keys()].sort()).toEqual(Array.from({ length: this.partitions }, (_, p) => `${this.topic}-${p}`).sort());
  }

  /** No record was processed by two members in the same generation. */
  expectNoSharedProcessingWithinAGeneration(): void {
    const byGeneration = new Map<string, string>();
    for (const p of this.processed) {
      const k = `${p.generation}/${p.topic}-${p.partition}@${p.offset}`;
      const other = byGeneration.get(k);
      expect(other === undefined || other === p.member, `${k} processed by ${other} and ${p.member} in one generation`).toBe(true);
      byGeneration.set(k, p.member);
    }
  }

  /** Records processed more than once, as "topic-partition@offset". */
  duplicates(): string[] {
    const seen = new Set<string>();
    const dups: string[] = [];
    for (const p of this.processed) {
      const k = `${p.topic}-${p.partition}@${p.offset}`;
      if (seen.has(k)) dups.push(k);
      seen.add(k);
    }
    return dups;
  }

  /** Partitions each member revoked (or lost) after event index `from`. */
  revokedSince(from: number, member: string): string[] {
    return this.events.slice(from).filter((e) => e.member === member && e.kind !== 'assigned').flatMap((e) => e.partitions);
  }
}

export class HarnessMember {
  readonly consumer: GroupConsumer<string, string>;
  running = true;
  /** While true the member behaves as crashed: it processes and commits nothing more, even in callbacks. */
  crashed = false;
  #loop: Promise<void>;
  #stopLoop = false;
  #crashAfterNextBatch = false;

  constructor(
    readonly harness: GroupHarness,
    readonly name: string,
    options: GroupConsumerOptions<string, string>,
  ) {
    const event = (kind: ListenerEvent['kind'], partitions: TopicPartition[]): void => {
      harness.events.push({ member: name, kind, generation: this.consumer.groupMetadata().generationId, partitions: partitions.map(tpName).sort() });
    };
    this.consumer = createGroupConsumer<string, string>(harness.cluster, {
      clientId: name,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      ...options,
      listener: {
        onPartitionsAssigned: (partitions) => event('assigned', partitions),
        onPartitionsRevoked: async (partitions, consumer) => {
          if (this.crashed) return;
          event('revoked', partitions);
          await consumer.commitSync(); // hand over exactly where we stopped
        },
        onPartitionsLost: (partitions) => {
          if (!this.crashed) event('lost', partitions);
        },
      },
    });
    this.consumer.subscribe([harness.topic]);
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopLoop) {
      const records = await this.consumer.poll({ timeoutMs: 30 });
      if (this.#stopLoop) break;
      const generation = this.consumer.groupMetadata().generationId;
      for (const r of records) this.harness.processed.push({ member: this.name, generation, topic: r.topic, partition: r.partition, offset: r.offset });
      if (records.length > 0 && this.#crashAfterNextBatch) {
        this.crashed = true; // processed, never committed
        return;
      }
      if (records.length > 0) await this.consumer.commitSync();
    }
  }

  /** Stops polling (after the current batch is processed and committed) and closes. */
  async stop(options: { leaveGroup?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.#stopLoop = true;
    this.running = false;
    await this.#loop.catch(() => {});
    await this.consumer.close(options);
  }

  /**
   * Dies right after processing its next batch, before committing it: no further commits or
   * callbacks, no LeaveGroup; the coordinator notices when the session times out.
   */
  async crash(): Promise<void> {
    this.#crashAfterNextBatch = true;
    this.running = false;
    await this.#loop.catch(() => {});
    this.crashed = true;
    await this.consumer.close({ leaveGroup: false });
  }

  /** Stops polling but keeps heartbeating (a stuck processing loop). */
  async stall(): Promise<void> {
    this.#stopLoop = true;
    await this.#loop.catch(() => {});
  }

  resume(): void {
    this.#stopLoop = false;
    this.#loop = this.#run();
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}
