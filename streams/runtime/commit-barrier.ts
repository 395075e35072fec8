/**
 * The commits of a process whose repartition topics go through the in-process hop (see
 * `RepartitionHop` for why): every `intervalMs`, and when asked, every task stops between two
 * batches — the sub-topologies upstream first, each downstream task once it processed every record
 * handed to it — then the tasks commit in the same order, a sub-topology's tasks after all of the
 * ones upstream of it, and resume. A barrier in which a task has failed commits nothing.
 *
 * Concurrency: one barrier runs at a time (they queue); the tasks' loops keep running until each is
 * asked to stop.
 */
import type { StreamTask } from './stream-task.js';

/** How often an idle process (nothing processed since the last commit) looks again. */
const IDLE_RECHECK_MS = 10;

export class CommitBarrier {
  /** The tasks, grouped by sub-topology, upstream first. */
  readonly #levels: () => StreamTask[][];
  readonly #intervalMs: number;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(levels: () => StreamTask[][], intervalMs: number) {
    this.#levels = levels;
    this.#intervalMs = intervalMs;
  }

  /** Commits every `intervalMs` (when a task processed something since its last commit). */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** No more timed commits (one in progress finishes). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Stops every task between two batches, upstream first, and commits them in that order; with
   * `resume` (default) they then go on, else they stay stopped (to be closed).
   * @throws the failure of a task (then nothing was committed), or of a commit (then the task failed
   *   and the ones downstream of it did not commit)
   */
  commit(options: { resume?: boolean } = {}): Promise<void> {
    const run = this.#chain.then(() => this.#commit(options.resume ?? true));
    this.#chain = run.catch(() => {});
    return run;
  }

  #schedule(delayMs = this.#intervalMs): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const levels = this.#levels();
      if (!levels.some((level) => level.some((t) => t.uncommitted))) {
        // Nothing to commit: look again later, not every millisecond (`commitIntervalMs` 0).
        this.#schedule(Math.max(this.#intervalMs, IDLE_RECHECK_MS));
        return;
      }
      // A failed commit fails its task, which fails the application: nothing to do here.
      void this.commit()
        .catch(() => {})
        .then(() => this.#schedule());
    }, delayMs);
    this.#timer.unref?.();
  }

  async #commit(resume: boolean): Promise<void> {
    const levels = this.#levels();
    try {
      for (const level of levels) await Promise.all(level.map((t) => t.pause()));
      for (const level of levels) {
        for (const t of level) if (t.failed !== null) throw t.failed;
      }
      for (const level of levels) await Promise.all(level.map((t) => t.commitOrFail()));
    } finally {
      if (resume) for (const level of levels) for (const t of level) t.resume();
    }
  }
}
