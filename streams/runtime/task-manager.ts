/**
 * The tasks of one application instance: created when the group assigns their partitions (or
 * the instance is given them), closed when they are revoked or lost. A task revoked after a
 * successful commit is kept suspended, stores and all; if the group hands it back and nobody wrote
 * its changelogs meanwhile, it resumes without restoring.
 */
import type { Cluster, TopicPartition } from '../../core/index.js';
import { CommitBarrier } from './commit-barrier.js';
import { HopInbox } from './hop-inbox.js';
import type { OffsetCommitter } from './offset-committer.js';
import { RepartitionHop } from './repartition-hop.js';
import { StreamTask, type StreamTaskContext } from './stream-task.js';
import { taskName, type ResolvedTopology, type TaskId } from './topology-resolver.js';
import { tpKey } from '../../core/index.js';

/** How many batches of records handed over a downstream task may have waiting before upstream sends wait. */
const HOP_BACKLOG_BATCHES = 4;

export class TaskManager {
  /** Running tasks by name (`<subtopology>_<partition>`). */
  readonly tasks = new Map<string, StreamTask>();
  readonly #suspended = new Map<string, StreamTask>();
  readonly #byPartition = new Map<string, StreamTask>();
  readonly #ctx: StreamTaskContext;
  readonly #committer: OffsetCommitter;
  /** While this process runs every task: the in-process hop of repartition topics, and the commits it needs. */
  #hop: { hop: RepartitionHop; barrier: CommitBarrier } | null = null;

  constructor(ctx: StreamTaskContext, committer: OffsetCommitter) {
    this.#ctx = ctx;
    this.#committer = committer;
  }

  get #cluster(): Cluster {
    return this.#ctx.cluster;
  }

  get #resolved(): ResolvedTopology {
    return this.#ctx.resolved;
  }

  /** The input partitions of the running tasks. */
  partitions(): TopicPartition[] {
    return [...this.tasks.values()].flatMap((t) => t.partitions);
  }

  /**
   * Creates (or resumes) the tasks of newly assigned partitions, restores them and starts them;
   * when that makes this process run every task (and none ran before), through the in-process hop.
   */
  async add(partitions: readonly TopicPartition[]): Promise<void> {
    const fresh = this.tasks.size === 0;
    const ready: StreamTask[] = [];
    const byTask = new Map<string, { id: TaskId; tps: TopicPartition[] }>();
    for (const tp of partitions) {
      const id = this.#resolved.taskOf(tp);
      if (id === undefined) continue;
      const name = taskName(id);
      const entry = byTask.get(name) ?? { id, tps: [] };
      entry.tps.push({ topic: tp.topic, partition: tp.partition });
      byTask.set(name, entry);
    }
    await Promise.all(
      [...byTask.values()].map(async ({ id, tps }) => {
        const name = taskName(id);
        if (this.tasks.has(name)) return;
        tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
        let task = this.#suspended.get(name);
        this.#suspended.delete(name);
        if (task !== undefined && !(await this.#stillCurrent(task, tps))) task = undefined;
        if (task !== undefined) {
          await task.initWriter();
          task.publish('resumed');
        } else {
          task = new StreamTask(this.#ctx, id, tps, this.#committer);
          // First: in exactly-once mode this fences the previous owner and aborts what it left open.
          await task.initWriter();
          await task.restore();
        }
        task.initPositions(await this.#committer.committed(tps));
        this.tasks.set(name, task);
        for (const tp of tps) this.#byPartition.set(tpKey(tp), task);
        ready.push(task);
      }),
    );
    if (fresh) await this.#startHop();
    for (const task of ready) task.start();
  }

  /** Commits every task now: through the barrier with the hop, else nothing to do (tasks commit on their own). */
  async commit(): Promise<void> {
    await this.#hop?.barrier.commit();
  }

  /**
   * Closes the tasks of `partitions`: with `commit`, after writing their changelogs and
   * committing; with `suspend`, keeping them for a later `add` of the same task.
   */
  async remove(partitions: readonly TopicPartition[], how: { commit: boolean; suspend: boolean }): Promise<void> {
    let kept: TopicPartition[] = [];
    if (this.#hop !== null) {
      // The hop's tasks commit together or not at all, and the hop ends with any of them: close
      // them all (committed through the barrier, or not) and start again the ones not asked for.
      const { barrier } = this.#hop;
      this.#hop = null;
      barrier.stop();
      const asked = new Set(partitions.map(tpKey));
      kept = this.partitions().filter((tp) => !asked.has(tpKey(tp)));
      partitions = this.partitions();
      if (how.commit) await barrier.commit({ resume: false }).catch(() => (how = { ...how, commit: false }));
    }
    await this.#close(partitions, how);
    if (kept.length > 0) await this.add(kept);
  }

  async #close(partitions: readonly TopicPartition[], how: { commit: boolean; suspend: boolean }): Promise<void> {
    const tasks = new Set<StreamTask>();
    for (const tp of partitions) {
      const t = this.#byPartition.get(tpKey(tp));
      if (t) tasks.add(t);
    }
    await Promise.all(
      [...tasks].map(async (task) => {
        let committed = how.commit;
        try {
          await task.close(how.commit);
        } catch {
          // The commit was refused (e.g. the member fell out of its generation): the next owner
          // reprocesses from the last committed offset; our state may be ahead, so drop it.
          committed = false;
        }
        this.tasks.delete(task.name);
        for (const tp of task.partitions) if (this.#byPartition.get(tpKey(tp)) === task) this.#byPartition.delete(tpKey(tp));
        if (how.suspend && committed && task.failed === null) {
          const ends = new Map<string, number>();
          for (const store of task.processor.stores.keys()) {
            const topic = this.#resolved.changelogTopic(store);
            ends.set(topic, await this.#cluster.listOffset(topic, task.id.partition, 'latest'));
          }
          task.changelogEnds = ends;
          this.#suspended.set(task.name, task);
          task.publish('suspended');
        }
      }),
    );
  }

  /** Closes every task (committing) and forgets the suspended ones. */
  async closeAll(): Promise<void> {
    await this.remove(this.partitions(), { commit: true, suspend: false });
    for (const t of this.tasks.values()) await t.close(false).catch(() => {});
    this.tasks.clear();
    this.#suspended.clear();
  }

  /**
   * Starts the in-process hop of repartition topics (see `RepartitionHop`) when it is sound: under
   * exactly-once, with every task of the application in this process, no repartition topic read
   * upstream of where it is written (a cycle), and no transaction open in a repartition partition
   * (every writer of one is a task here, fenced and initialized).
   */
  async #startHop(): Promise<void> {
    const { options, metrics } = this.#ctx;
    if (options.processingGuarantee !== 'exactly_once_v2') return;
    const edges = this.#resolved.repartitionTopics();
    if (edges.length === 0) return;
    const rank = new Map(this.#resolved.upstreamFirst().map((id, i) => [id, i]));
    if (edges.some((e) => rank.get(e.writer)! >= rank.get(e.reader)!)) return;
    if (this.#resolved.tasks().some((id) => !this.tasks.has(taskName(id)))) return;
    const hop = new RepartitionHop(
      edges.map((e) => e.topic),
      (count) => (metrics.recordsFetched += count),
    );
    const inboxes = new Map<StreamTask, HopInbox>();
    for (const task of this.tasks.values()) {
      const ends = new Map<TopicPartition, number>();
      for (const tp of task.partitions.filter((p) => hop.carries(p.topic))) {
        const end = await this.#cluster.listOffset(tp.topic, tp.partition, 'latest');
        // A transaction open there that is not one of ours: its records would not come handed over.
        if ((await this.#cluster.listOffset(tp.topic, tp.partition, 'latest', { isolationLevel: 'read_committed' })) !== end) return;
        ends.set(tp, end);
      }
      if (ends.size > 0) inboxes.set(task, new HopInbox(task.queue, ends, HOP_BACKLOG_BATCHES * options.maxBatchRecords));
    }
    for (const task of this.tasks.values()) task.joinHop(hop, inboxes.get(task) ?? null);
    const barrier = new CommitBarrier(() => this.#levels(), options.commitIntervalMs);
    this.#hop = { hop, barrier };
    barrier.start();
  }

  /** The running tasks by sub-topology, upstream first. */
  #levels(): StreamTask[][] {
    const tasks = [...this.tasks.values()];
    return this.#resolved.upstreamFirst().map((id) => tasks.filter((t) => t.id.subtopology === id));
  }

  /** A suspended task can be resumed when nobody wrote its changelogs since (its state is current). */
  async #stillCurrent(task: StreamTask, tps: readonly TopicPartition[]): Promise<boolean> {
    if (task.changelogEnds === null || task.partitions.length !== tps.length) return false;
    for (const [topic, end] of task.changelogEnds) {
      if ((await this.#cluster.listOffset(topic, task.id.partition, 'latest')) !== end) return false;
    }
    return true;
  }
}
