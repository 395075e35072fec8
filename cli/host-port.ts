/** `HOST:PORT` option values (`--listen`, `--advertised`), parsed before anything is opened. */
import { UsageError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `127.0.0.1:9092`, `[::1]:9092` or `:9092` (all interfaces' default host 127.0.0.1). */
export function hostPort(option: string): (value: string) => HostPort {
  return (value) => {
    const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
    const port = m ? Number(m[3]) : NaN;
    if (!m || !Number.isInteger(port) || port > 65535) throw new UsageError(`${option}: expected HOST:PORT, got "${value}"`);
    return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
  };
}
