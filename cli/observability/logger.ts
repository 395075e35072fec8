/**
 * The CLI's logger for long-running commands (`run`, `connect`): one line per event on a stream
 * (stderr), as plain text or as JSON lines (`--log-format json`), filtered by level
 * (`--log-level`: error < warn < info < debug).
 *
 * Text:  `2024-05-01T12:00:00.000Z INFO  connector orders-in running (was starting) connector=file-source`
 * JSON:  `{"time":"2024-05-01T12:00:00.000Z","level":"info","msg":"connector orders-in running (was starting)","connector":"file-source"}`
 *
 * @example
 *   const log = createLogger({ level: 'info', format: 'text' });
 *   log.info('pipeline started', { name: 'orders' });
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Default: process.stderr. */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Default: the current time. */
  now?: () => Date;
  /** Called before each line is written (the status line clears itself). */
  beforeWrite?: () => void;
}

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
}

/** A logger writing `level` and above to `stream`. */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(options.level);
  const enabled = (level: LogLevel): boolean => LOG_LEVELS.indexOf(level) <= threshold;
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (!enabled(level)) return;
    options.beforeWrite?.();
    const time = now().toISOString();
    stream.write(options.format === 'json' ? `${JSON.stringify({ time, level, msg, ...plain(fields) })}\n` : `${time} ${level.toUpperCase().padEnd(5)} ${msg}${textFields(fields)}\n`);
  };
  return {
    level: options.level,
    enabled,
    log,
    error: (msg, fields) => log('error', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    debug: (msg, fields) => log('debug', msg, fields),
  };
}

/** Errors become their message (and code); undefined fields are left out. */
function plain(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof Error ? { message: v.message, ...('code' in v ? { code: v.code } : {}) } : v;
  }
  return out;
}

function textFields(fields: LogFields): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(plain(fields))) {
    const text = typeof v === 'string' ? v : v !== null && typeof v === 'object' && 'message' in v ? String(v.message) : JSON.stringify(v);
    parts.push(`${k}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** `--log-level` and `--log-format`, as commands take them. */
export interface LogOptions {
  logLevel: LogLevel;
  logFormat: LogFormat;
}
