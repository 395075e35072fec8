/**
 * Live status lines on a terminal ("orders: 120,000 records, 45,310 rec/s, lag 0"), one per
 * component, redrawn in place. They exist only when the stream is a TTY: piped or redirected, the
 * CLI stays quiet.
 */
import type { WriteStream } from 'node:tty';

type Terminal = NodeJS.WriteStream | WriteStream;

export interface StatusLine {
  /** Erases the lines and stops redrawing. */
  stop(): void;
}

const NOOP: StatusLine = { stop() {} };

/** A block of lines drawn in place: each `draw` replaces the previous block. */
export class LiveLines {
  readonly #stream: Terminal;
  #drawn = 0;

  constructor(stream: Terminal) {
    this.#stream = stream;
  }

  draw(lines: string | readonly string[]): void {
    const block = typeof lines === 'string' ? [lines] : lines;
    const width = this.#stream.columns > 1 ? this.#stream.columns - 1 : 79;
    // Back to the block's first line, each line erased and cut to the width (so none wraps and
    // the block keeps its height), then everything below erased (the block may have shrunk).
    this.#stream.write(`${this.#home()}${block.map((l) => `\x1b[2K${l.slice(0, width)}`).join('\n')}\x1b[J`);
    this.#drawn = block.length;
  }

  clear(): void {
    if (this.#drawn === 0) return;
    this.#stream.write(`${this.#home()}\x1b[J`);
    this.#drawn = 0;
  }

  #home(): string {
    return this.#drawn > 1 ? `\x1b[${this.#drawn - 1}F` : '\r';
  }
}

/**
 * Redraws `render()` every `intervalMs` on `stream` while it is a TTY (and `when` holds); a no-op
 * otherwise. `render` returns one line or one per component, and may be async (e.g. to look up
 * end offsets); a slow one is not overlapped.
 */
export function startStatusLine(
  stream: Terminal,
  render: () => string | readonly string[] | Promise<string | readonly string[]>,
  options: { intervalMs?: number; when?: boolean } = {},
): StatusLine {
  const intervalMs = options.intervalMs ?? 500;
  if (!stream.isTTY || options.when === false) return NOOP;
  const lines = new LiveLines(stream);
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.resolve()
      .then(render)
      .then(
        (text) => {
          if (!stopped) lines.draw(text);
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
      lines.clear();
    },
  };
}

/** Records per second of several named counters, each since its previous reading. */
export class Rates {
  readonly #last = new Map<string, { total: number; ms: number }>();

  /** `name`'s rate since the last call for `name`, given its running `total` (0 on the first call). */
  rate(name: string, total: number): number {
    const now = performance.now();
    const last = this.#last.get(name);
    this.#last.set(name, { total, ms: now });
    if (last === undefined || now <= last.ms) return 0;
    return Math.max(0, (total - last.total) / ((now - last.ms) / 1000));
  }
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
