/**
 * Resolves a topology against a cluster when an application starts: the concrete source topics
 * (patterns matched), the partition count of every repartition topic and the task count of every
 * sub-topology; creates the internal topics it needs — repartition topics
 * `<appId>-<name>-repartition` and compacted changelog topics `<appId>-<store>-changelog` — and
 * checks that co-partitioned sources (tables and the streams joined with them) have equal
 * partition counts.
 */
import { InvalidConfigError, TopicExistsError, UnknownTopicError, type Cluster, type TopicPartition } from '../../core/index.js';
import type { SinkNode, SourceNode, StoreSpec } from '../topology/nodes.js';
import type { Subtopology, Topology } from '../topology/topology.js';

export interface ResolvedSubtopology {
  readonly subtopology: Subtopology;
  /** One task per partition: the largest partition count among its source topics. */
  readonly taskCount: number;
  /** Concrete topics per source node id. */
  readonly sourceTopics: ReadonlyMap<number, readonly string[]>;
  /** Partition count of every source topic. */
  readonly partitions: ReadonlyMap<string, number>;
}

export interface TaskId {
  readonly subtopology: number;
  readonly partition: number;
}

export const taskName = (t: TaskId): string => `${t.subtopology}_${t.partition}`;

export class ResolvedTopology {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly subtopologies: readonly ResolvedSubtopology[];
  readonly #byTopic = new Map<string, ResolvedSubtopology>();

  constructor(applicationId: string, topology: Topology, subtopologies: readonly ResolvedSubtopology[]) {
    this.applicationId = applicationId;
    this.topology = topology;
    this.subtopologies = subtopologies;
    for (const s of subtopologies) for (const topic of s.partitions.keys()) this.#byTopic.set(topic, s);
  }

  repartitionTopic(name: string): string {
    return repartitionTopic(this.applicationId, name);
  }

  changelogTopic(store: string): string {
    return changelogTopic(this.applicationId, store);
  }

  /** Every topic the application reads. */
  sourceTopics(): string[] {
    return [...this.#byTopic.keys()].sort();
  }

  /**
   * Sub-topology ids, each after every sub-topology whose output topics (sinks and repartition
   * topics) it reads; otherwise in creation order. A cycle through a topic keeps creation order.
   */
  upstreamFirst(): number[] {
    const readers = new Map<number, Set<number>>(); // sub-topology id → ids reading its outputs
    for (const s of this.subtopologies) {
      const downstream = new Set<number>();
      for (const sink of s.subtopology.sinks) {
        const reader = this.#byTopic.get(sink.repartition ? this.repartitionTopic(sink.topic) : sink.topic);
        if (reader !== undefined && reader !== s) downstream.add(reader.subtopology.id);
      }
      readers.set(s.subtopology.id, downstream);
    }
    const order: number[] = [];
    const state = new Map<number, 'visiting' | 'done'>();
    const visit = (id: number): void => {
      if (state.has(id)) return;
      state.set(id, 'visiting');
      for (const next of readers.get(id) ?? []) visit(next);
      state.set(id, 'done');
      order.push(id);
    };
    for (const s of this.subtopologies) visit(s.subtopology.id);
    return order.reverse();
  }

  /**
   * The repartition topics, each with the sub-topology writing it and the one reading it (a topic
   * nothing reads is left out).
   */
  repartitionTopics(): { topic: string; writer: number; reader: number }[] {
    const out: { topic: string; writer: number; reader: number }[] = [];
    for (const s of this.subtopologies) {
      for (const sink of s.subtopology.sinks) {
        if (!sink.repartition) continue;
        const topic = this.repartitionTopic(sink.topic);
        const reader = this.#byTopic.get(topic);
        if (reader !== undefined) out.push({ topic, writer: s.subtopology.id, reader: reader.subtopology.id });
      }
    }
    return out;
  }

  /** The sub-topology reading `topic`. */
  subtopologyOf(topic: string): ResolvedSubtopology | undefined {
    return this.#byTopic.get(topic);
  }

  /** Every task, by sub-topology then partition. */
  tasks(): TaskId[] {
    return this.subtopologies.flatMap((s) => Array.from({ length: s.taskCount }, (_, partition) => ({ subtopology: s.subtopology.id, partition })));
  }

  /** The input partitions of a task: partition `p` of every source topic that has it. */
  inputPartitions(task: TaskId): TopicPartition[] {
    const s = this.subtopologies[task.subtopology];
    const out: TopicPartition[] = [];
    for (const [topic, count] of s.partitions) if (task.partition < count) out.push({ topic, partition: task.partition });
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  /** The task reading an input partition. */
  taskOf(tp: TopicPartition): TaskId | undefined {
    const s = this.#byTopic.get(tp.topic);
    return s === undefined ? undefined : { subtopology: s.subtopology.id, partition: tp.partition };
  }
}

export function repartitionTopic(applicationId: string, name: string): string {
  return `${applicationId}-${name}-repartition`;
}

export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}

/**
 * @throws InvalidConfigError when a source topic is missing, an internal topic exists with another
 *   partition count, or co-partitioned topics differ in partition count.
 */
export async function resolveTopology(topology: Topology, cluster: Cluster, applicationId: string): Promise<ResolvedTopology> {
  const existing = new Set(await cluster.listTopics({ includeInternal: true }));
  const counts = new Map<string, number>();
  const countOf = async (topic: string): Promise<number> => {
    let n = counts.get(topic);
    if (n === undefined) {
      try {
        n = (await cluster.describeTopic(topic)).partitions.length;
      } catch (err) {
        if (err instanceof UnknownTopicError) throw new InvalidConfigError(`source topic "${topic}" does not exist; create it before starting application "${applicationId}"`, 'topic', { cause: err });
        throw err;
      }
      counts.set(topic, n);
    }
    return n;
  };
  const isInternal = (t: string): boolean => t.startsWith('__') || (t.startsWith(`${applicationId}-`) && (t.endsWith('-repartition') || t.endsWith('-changelog')));

  // Concrete topics per source node.
  const sourceTopics = new Map<number, string[]>();
  for (const sub of topology.subtopologies) {
    for (const source of sub.sources) {
      let topics: string[];
      if (source.internal) topics = source.topics.map((n) => repartitionTopic(applicationId, n));
      else if (source.pattern) {
        const re = new RegExp(source.pattern.source, source.pattern.flags.replace('g', ''));
        topics = [...existing].filter((t) => !isInternal(t) && re.test(t)).sort();
      } else topics = [...source.topics];
      sourceTopics.set(source.id, topics);
    }
  }

  // Partition counts of user source topics.
  for (const sub of topology.subtopologies) {
    for (const source of sub.sources) if (!source.internal) for (const t of sourceTopics.get(source.id)!) await countOf(t);
  }

  // Repartition topics: a fixed count, a table's count, or the largest source of the writing sub-topology.
  const sinks = new Map<string, { sink: SinkNode; sub: Subtopology }>();
  for (const sub of topology.subtopologies) for (const sink of sub.sinks) if (sink.repartition) sinks.set(repartitionTopic(applicationId, sink.topic), { sink, sub });
  const storeSub = (store: StoreSpec): Subtopology => topology.subtopologyOfStore(store.name)!;
  const maxOfSources = (sub: Subtopology): number | undefined => {
    let max = 0;
    for (const source of sub.sources) {
      for (const t of sourceTopics.get(source.id)!) {
        const n = counts.get(t);
        if (n === undefined) return undefined;
        max = Math.max(max, n);
      }
    }
    return max;
  };
  // A round that sizes nothing is followed by a relaxed one, where a co-partitioned topic takes the
  // count of its table's known topics: a foreign-key join of a table with itself has two internal
  // topics each co-partitioned with a sub-topology that reads the other.
  let relaxed = false;
  for (let round = 0; round <= 2 * sinks.size + 1; round++) {
    let progress = false;
    for (const [topic, { sink, sub }] of sinks) {
      if (counts.has(topic)) continue;
      const spec = sink.repartition!;
      let n: number | undefined;
      if (spec.numPartitions !== undefined) n = spec.numPartitions;
      else if (spec.copartitionWith !== undefined) {
        // A stream repartitioned to join a table: as many partitions as the table's topic.
        n = maxOfSourcesExcept(storeSub(spec.copartitionWith), sourceTopics, counts, topic, relaxed);
      } else n = maxOfSources(sub);
      if (n !== undefined && n > 0) {
        counts.set(topic, n);
        progress = true;
      }
    }
    if (progress) relaxed = false;
    else if (relaxed) break;
    else relaxed = true;
  }
  for (const topic of sinks.keys()) {
    if (!counts.has(topic)) throw new InvalidConfigError(`cannot size repartition topic "${topic}": its partition count depends on itself; set numPartitions`, 'numPartitions');
  }

  // Cogrouped inputs must be co-partitioned (Kafka's CopartitionedTopicsEnforcer): a repartition
  // topic among them (without numPartitions) takes the count of the other inputs' topics, or the
  // largest of the repartition topics when every input was re-keyed.
  for (const sub of topology.subtopologies) {
    if (cogroupOf(sub) === undefined) continue;
    const sized: string[] = [];
    const fixed: string[] = [];
    for (const source of sub.sources) {
      for (const t of sourceTopics.get(source.id)!) (source.internal && sinks.get(t)?.sink.repartition?.numPartitions === undefined ? sized : fixed).push(t);
    }
    if (sized.length === 0) continue;
    const n = Math.max(...(fixed.length > 0 ? fixed : sized).map((t) => counts.get(t)!));
    for (const t of sized) counts.set(t, n);
  }

  // Create (or check) the repartition topics.
  for (const topic of sinks.keys()) await ensureTopic(cluster, existing, topic, counts.get(topic)!, {});

  const resolved: ResolvedSubtopology[] = topology.subtopologies.map((sub) => {
    const partitions = new Map<string, number>();
    for (const source of sub.sources) for (const t of sourceTopics.get(source.id)!) partitions.set(t, counts.get(t)!);
    const taskCount = Math.max(0, ...partitions.values());
    const joined = sub.nodes.some((n) => n.kind === 'table' || n.kind === 'join' || n.kind === 'stream-join' || n.kind === 'table-join');
    const cogroup = cogroupOf(sub);
    if ((joined || cogroup !== undefined) && new Set(partitions.values()).size > 1) {
      const what = joined ? 'are joined or read as a table' : `are cogrouped into store "${cogroup}"`;
      throw new InvalidConfigError(
        `topics ${[...partitions].map(([t, n]) => `"${t}" (${n} partitions)`).join(', ')} ${what} in sub-topology ${sub.id} and must have the same number of partitions (co-partitioning)`,
        'partitions',
      );
    }
    return { subtopology: sub, taskCount, sourceTopics: new Map([...sub.sources].map((s) => [s.id, sourceTopics.get(s.id)!])), partitions };
  });

  // Changelog topics: one partition per task of the store's sub-topology.
  for (const r of resolved) {
    for (const store of r.subtopology.stores) {
      if (r.taskCount === 0) continue;
      await ensureTopic(cluster, existing, changelogTopic(applicationId, store.name), r.taskCount, { 'cleanup.policy': 'compact' });
    }
  }
  return new ResolvedTopology(applicationId, topology, resolved);
}

/** The store of the sub-topology's cogroup, if it has one. */
function cogroupOf(sub: Subtopology): string | undefined {
  for (const n of sub.nodes) if (n.kind === 'merge' && n.cogroup !== undefined) return n.cogroup;
  return undefined;
}

/** The largest partition count of `sub`'s topics but `except`; undefined while one is unknown (unless `relaxed`: of the known ones). */
function maxOfSourcesExcept(sub: Subtopology, sourceTopics: Map<number, string[]>, counts: Map<string, number>, except: string, relaxed = false): number | undefined {
  let max: number | undefined;
  for (const source of sub.sources as SourceNode[]) {
    for (const t of sourceTopics.get(source.id)!) {
      if (t === except) continue;
      const n = counts.get(t);
      if (n === undefined && relaxed) continue;
      if (n === undefined) return undefined;
      max = Math.max(max ?? 0, n);
    }
  }
  return max;
}

async function ensureTopic(cluster: Cluster, existing: Set<string>, topic: string, partitions: number, config: Record<string, string>): Promise<void> {
  if (!existing.has(topic)) {
    try {
      await cluster.createTopic(topic, { partitions, config });
      existing.add(topic);
      return;
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
    }
  }
  const actual = (await cluster.describeTopic(topic)).partitions.length;
  if (actual !== partitions) {
    throw new InvalidConfigError(`internal topic "${topic}" has ${actual} partitions, but the topology needs ${partitions}; delete it (or reset the application) to change it`, 'partitions');
  }
}
