/**
 * Background upkeep of every partition log, as Kafka's LogManager schedules it: retention
 * (delete-policy topics) and compaction (compact-policy topics), one log at a time, on a timer
 * that does not keep the process alive. Compaction yields to the event loop as it goes, so
 * produce and fetch keep running meanwhile.
 */
import { channel } from 'node:diagnostics_channel';
import { compactLog } from '../log/log-cleaner.js';
import { deletesOldSegments, isCompacted } from '../log/log-config.js';
import type { Log } from '../log/log.js';

const retentionChannel = channel('sluice:log:retention');
const compactionChannel = channel('sluice:log:compaction');
const errorChannel = channel('sluice:log:maintenance-error');

export class LogMaintenance {
  readonly #logs: () => Iterable<Log>;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(logs: () => Iterable<Log>, intervalMs: number, now: () => number) {
    this.#logs = logs;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  start(): void {
    if (this.#intervalMs <= 0 || this.#stopped) return;
    this.#timer = setInterval(() => void this.runOnce(false), this.#intervalMs);
    this.#timer.unref();
  }

  /** One pass over every log; a pass already under way is awaited instead of doubled. */
  runOnce(forceCompaction: boolean): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#pass(forceCompaction).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  async #pass(forceCompaction: boolean): Promise<void> {
    for (const log of [...this.#logs()]) {
      if (this.#stopped) return;
      if (log.closed) continue;
      try {
        if (deletesOldSegments(log.config)) {
          const deleted = log.deleteRetainedSegments();
          if (deleted > 0 && retentionChannel.hasSubscribers) {
            retentionChannel.publish({ topic: log.topic, partition: log.partition, deletedSegments: deleted, logStartOffset: log.logStartOffset });
          }
        }
        if (isCompacted(log.config)) {
          const result = await compactLog(log, { now: this.#now(), force: forceCompaction });
          if (compactionChannel.hasSubscribers) compactionChannel.publish({ topic: log.topic, partition: log.partition, ...result });
        }
      } catch (error) {
        // A failing log must not stop upkeep of the others; subscribers (CLI, metrics) report it.
        if (errorChannel.hasSubscribers) errorChannel.publish({ topic: log.topic, partition: log.partition, error });
      }
    }
  }
}
