/**
 * What the console remembers while it runs, for its two charts: the cluster's records in and out
 * per second, and each group's lag over time. A sample every `intervalMs` (and one whenever a
 * group page is read, which costs nothing extra: the page read the numbers anyway), kept for
 * `keepMs` — the console holds no state of its own on disk; history starts when it starts.
 *
 * Records in = the growth of the log end offsets of the (non-internal) topics; records out = the
 * growth of the groups' committed offsets (what consumers finished). Both are rates between two
 * samples; a reset or a deleted topic moves a sum backwards, which counts as 0, not negative.
 */
import { createAdmin, type Cluster } from '../../core/index.js';

export interface LagSample {
  /** ms since the epoch. */
  at: number;
  lag: number;
}

export interface RateSample {
  at: number;
  /** Records appended per second since the previous sample. */
  inPerSecond: number;
  /** Records committed by groups per second since the previous sample. */
  outPerSecond: number;
}

export interface ConsoleHistoryOptions {
  /** Default 5 s; 0: only on demand. */
  intervalMs?: number;
  /** Default 10 minutes. */
  keepMs?: number;
  now?: () => number;
}

interface Totals {
  at: number;
  appended: number;
  committed: number;
}

export class ConsoleHistory {
  readonly #cluster: Cluster;
  readonly #keepMs: number;
  readonly #now: () => number;
  readonly #lags = new Map<string, LagSample[]>();
  readonly #rates: RateSample[] = [];
  #last: Totals | null = null;
  #timer: NodeJS.Timeout | null = null;
  #sampling: Promise<void> | null = null;

  constructor(cluster: Cluster, options: ConsoleHistoryOptions = {}) {
    this.#cluster = cluster;
    this.#keepMs = options.keepMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
    const intervalMs = options.intervalMs ?? 5000;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => void this.sample().catch(() => {}), intervalMs);
      this.#timer.unref();
    }
  }

  /** Takes one sample of every topic's end offsets and every group's committed offsets and lag (one at a time). */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample().finally(() => (this.#sampling = null));
    return this.#sampling;
  }

  /** Records a group's total lag as just read. */
  recordLag(groupId: string, lag: number): void {
    const at = this.#now();
    const samples = this.#lags.get(groupId) ?? [];
    samples.push({ at, lag });
    while (samples.length > 0 && samples[0].at < at - this.#keepMs) samples.shift();
    this.#lags.set(groupId, samples);
  }

  lagOf(groupId: string): LagSample[] {
    return [...(this.#lags.get(groupId) ?? [])];
  }

  rates(): RateSample[] {
    return [...this.#rates];
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #sample(): Promise<void> {
    const topics = await this.#cluster.listTopics();
    let appended = 0;
    for (const topic of topics) {
      const count = await this.#cluster.partitionCount(topic);
      for (let p = 0; p < count; p++) appended += await this.#cluster.listOffset(topic, p, 'latest');
    }
    let committed = 0;
    const admin = createAdmin(this.#cluster);
    for (const { groupId } of await this.#cluster.listGroups()) {
      const group = await admin.describeGroup(groupId);
      for (const o of group.offsets) committed += o.committedOffset ?? 0;
      this.recordLag(groupId, group.totalLag);
    }
    const now: Totals = { at: this.#now(), appended, committed };
    const last = this.#last;
    this.#last = now;
    if (last === null || now.at <= last.at) return;
    const seconds = (now.at - last.at) / 1000;
    this.#rates.push({ at: now.at, inPerSecond: Math.max(0, now.appended - last.appended) / seconds, outPerSecond: Math.max(0, now.committed - last.committed) / seconds });
    while (this.#rates.length > 0 && this.#rates[0].at < now.at - this.#keepMs) this.#rates.shift();
  }
}
