/**
 * `--log-level` / `--log-format` for long-running commands: adds the options to a command, and
 * runs a body with a logger subscribed to the diagnostics channels.
 */
import { Option, type Command } from 'commander';
import { logDiagnostics } from './diagnostics-log.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type Logger, type LogOptions } from './logger.js';

/** Adds `--log-level <level>` (default warn) and `--log-format <format>` (default text). */
export function addLogOptions(command: Command): Command {
  return command
    .addOption(new Option('--log-level <level>', 'log lines on stderr from this level up').choices(LOG_LEVELS).default('warn'))
    .addOption(new Option('--log-format <format>', 'text lines, or JSON lines (one object per line: time, level, msg, fields)').choices(LOG_FORMATS).default('text'));
}

/** Runs `fn` with a logger (to stderr) that also logs the diagnostics channels, unsubscribed afterwards. */
export async function withLogging<T>(options: LogOptions, fn: (logger: Logger) => Promise<T>): Promise<T> {
  const tty = process.stderr.isTTY === true;
  // On a terminal the status line is redrawn in place: clear it before a log line.
  const logger = createLogger({ level: options.logLevel, format: options.logFormat, beforeWrite: tty ? () => process.stderr.write('\r\x1b[2K') : undefined });
  const stop = logDiagnostics(logger);
  try {
    return await fn(logger);
  } finally {
    stop();
  }
}
