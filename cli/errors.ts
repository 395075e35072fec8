/**
 * How the CLI fails: one line `sluice: <message>` on stderr and an exit code — 2 for a usage error
 * (a bad argument, caught before the data directory is touched), 1 for anything that went wrong at
 * run time (unknown topic, locked directory, an engine error), 128 + the signal's number for a batch
 * run that a signal stopped early (`InterruptedError`). `SLUICE_DEBUG=1` adds the stack.
 */
import os from 'node:os';
import { SluiceError } from '../core/errors.js';

/** Exit codes, in the manner of BSD's sysexits and most CLIs: 0 ok, 1 runtime failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A bad command-line argument. Thrown before anything is opened, so nothing on disk changed. */
export class UsageError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options);
  }
}

/**
 * A batch run (`--until-idle`) stopped by a signal before its input was drained. It exits as a
 * shell reports a process killed by that signal (128 + its number: 130 for SIGINT, 143 for
 * SIGTERM), so cron, CI and Kubernetes Jobs see an incomplete run as a failure, not as success.
 */
export class InterruptedError extends SluiceError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, what: string) {
    super('INTERRUPTED', `${what} stopped by ${signal} before every source was drained: the batch run is incomplete (positions and offsets of what was done are stored; a rerun goes on from there)`);
    this.signal = signal;
  }
}

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return 128 + (os.constants.signals[error.signal] ?? 0);
  return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

/** Formats `error` as the one line the CLI prints (plus its stack when `SLUICE_DEBUG=1`). */
export function formatError(error: unknown, debug = process.env.SLUICE_DEBUG === '1'): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = `sluice: ${oneLine(message)}\n`;
  if (!debug || !(error instanceof Error) || !error.stack) return line;
  return `${line}${error.stack}\n${error.cause instanceof Error && error.cause.stack ? `caused by: ${error.cause.stack}\n` : ''}`;
}

/** Joins a multi-line message (commander's "Did you mean …?" hints) into one line. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join(' ');
}

/** Runs `parse` on a command-line value, turning whatever it throws into a `UsageError`. */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
