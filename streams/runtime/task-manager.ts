/**
 * The tasks of one application instance: created when the group assigns their partitions (or
 * the instance is given them), closed when they are revoked or lost. A task revoked after a
 * successful commit is kept suspended, stores and all; if the group hands it back and nobody wrote
 * its changelogs meanwhile, it resumes without restoring.
 */
import type { Cluster, TopicPartition } from '../../core/index.js';
import type { OffsetCommitter } from './offset-committer.js';
import { StreamTask, type StreamTaskContext } from './stream-task.js';
import { taskName, type ResolvedTopology, type TaskId } from './topology-resolver.js';

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class TaskManager {
  /** Running tasks by name (`<subtopology>_<partition>`). */
  readonly tasks = new Map<string, StreamTask>();
  readonly #suspended = new Map<string, StreamTask>();
  readonly #byPartition = new Map<string, StreamTask>();
  readonly #ctx: StreamTaskContext;
  readonly #committer: OffsetCommitter;

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

  /** Creates (or resumes) the tasks of newly assigned partitions, restores them and starts them. */
  async add(partitions: readonly TopicPartition[]): Promise<void> {
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
        task.start();
      }),
    );
  }

  /**
   * Closes the tasks of `partitions`: with `commit`, after writing their changelogs and
   * committing; with `suspend`, keeping them for a later `add` of the same task.
   */
  async remove(partitions: readonly TopicPartition[], how: { commit: boolean; suspend: boolean }): Promise<void> {
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

  /** A suspended task can be resumed when nobody wrote its changelogs since (its state is current). */
  async #stillCurrent(task: StreamTask, tps: readonly TopicPartition[]): Promise<boolean> {
    if (task.changelogEnds === null || task.partitions.length !== tps.length) return false;
    for (const [topic, end] of task.changelogEnds) {
      if ((await this.#cluster.listOffset(topic, task.id.partition, 'latest')) !== end) return false;
    }
    return true;
  }
}
