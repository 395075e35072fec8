/**
 * A live status line on a terminal ("orders: 120,000 records, 45,310 rec/s, lag 0"), redrawn in
 * place. It exists only when the stream is a TTY: piped or redirected, the CLI stays quiet.
 */
import type { WriteStream } from 'node:tty';

export interface StatusLine {
  /** Erases the line and stops redrawing. */
  stop(): void;
}

const NOOP: StatusLine = { stop() {} };

/**
 * Redraws `render()` every `intervalMs` on `stream` while it is a TTY (and `when` holds); a no-op
 * otherwise. `render` may be async (e.g. to look up end offsets); a slow one is not overlapped.
 */
export function startStatusLine(
  stream: NodeJS.WriteStream | WriteStream,
  render: () => string | Promise<string>,
  options: { intervalMs?: number; when?: boolean } = {},
): StatusLine {
  const intervalMs = options.intervalMs ?? 500;
  if (!stream.isTTY || options.when === false) return NOOP;
  let busy = false;
  let stopped = false;
  let drawn = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.resolve()
      .then(render)
      .then(
        (text) => {
          if (stopped) return;
          const width = stream.columns > 1 ? stream.columns - 1 : 79;
          stream.write(`\r\x1b[2K${text.slice(0, width)}`);
          drawn = true;
        },
        () => {},
      )
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

/** Counts records and reports a rate over the time since the previous call. */
export class RateMeter {
  #total = 0;
  #lastTotal = 0;
  #lastMs = performance.now();

  add(n: number): void {
    this.#total += n;
  }

  get total(): number {
    return this.#total;
  }

  /** Records per second since the last call. */
  rate(): number {
    const now = performance.now();
    const seconds = (now - this.#lastMs) / 1000;
    const rate = seconds > 0 ? (this.#total - this.#lastTotal) / seconds : 0;
    this.#lastMs = now;
    this.#lastTotal = this.#total;
    return rate;
  }
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return NUMBER.format(n);
}
