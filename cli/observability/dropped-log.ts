/**
 * Warnings for messages a source lost (`sluice:connector:dropped`), at most one line a second per
 * connector: a burst of 100,000 drops is one line at its start and one a second after, each with
 * the count since the last line, the reason and the total.
 *
 *   WARN source sensors-in: 90,325 messages dropped: buffer full (nats.buffer.max.messages: 1000; …); 90,325 in total
 */
import type { ConnectorDroppedEvent } from '../../connectors/runtime/connector-status.js';
import { formatCount } from '../status-line.js';
import type { Logger } from './logger.js';

interface Pending {
  kind: string;
  count: number;
  reason: string;
  total: number;
  timer: NodeJS.Timeout | null;
}

/** Rate-limited drop warnings; `close()` writes what is pending and stops the timers. */
export class DroppedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #byConnector = new Map<string, Pending>();

  constructor(logger: Logger, intervalMs = 1000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Counts `e`; writes a line now if none was written for this connector in the last interval. */
  add(e: ConnectorDroppedEvent): void {
    let p = this.#byConnector.get(e.name);
    if (!p) this.#byConnector.set(e.name, (p = { kind: e.kind, count: 0, reason: e.reason, total: 0, timer: null }));
    p.count += e.count;
    p.reason = e.reason;
    p.total = e.total;
    if (p.timer === null) this.#flush(e.name, p);
  }

  #flush(name: string, p: Pending): void {
    if (p.count === 0) {
      p.timer = null;
      return;
    }
    this.#logger.warn(`${p.kind} ${name}: ${formatCount(p.count)} message${p.count === 1 ? '' : 's'} dropped: ${p.reason}; ${formatCount(p.total)} in total`, { connector: name, dropped: p.count, total: p.total });
    p.count = 0;
    p.timer = setTimeout(() => this.#flush(name, p), this.#intervalMs);
    p.timer.unref();
  }

  /** Writes the counts not yet written and stops the timers. */
  close(): void {
    for (const [name, p] of this.#byConnector) {
      if (p.timer !== null) clearTimeout(p.timer);
      p.timer = null;
      if (p.count > 0) {
        this.#flush(name, p);
        if (p.timer !== null) clearTimeout(p.timer);
      }
    }
    this.#byConnector.clear();
  }
}
