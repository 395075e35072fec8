import { afterEach, describe, expect, it, vi } from 'vitest';
import { channel } from 'node:diagnostics_channel';
import { DroppedLog } from '../../../cli/observability/dropped-log.js';
import { logDiagnostics } from '../../../cli/observability/diagnostics-log.js';
import { createLogger } from '../../../cli/observability/logger.js';

afterEach(() => vi.useRealTimers());

const event = (name: string, count: number, total: number) => ({ name, connector: 'nats-source', kind: 'source' as const, count, reason: 'buffer full (nats.buffer.max.messages: 1000)', total });

describe('DroppedLog', () => {
  it('writes at most one warning a second per connector, with the count since the last line, the reason and the total', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', format: 'text', stream: { write: (t: string) => lines.push(t) }, now: () => new Date(0) });
    const log = new DroppedLog(logger, 1000);
    log.add(event('a', 1, 1)); // first drop: at once
    for (let i = 2; i <= 500; i++) log.add(event('a', 1, i));
    log.add(event('b', 7, 7)); // another connector has its own limit
    expect(lines.map((l) => l.slice(25))).toEqual([
      'WARN  source a: 1 message dropped: buffer full (nats.buffer.max.messages: 1000); 1 in total connector=a dropped=1 total=1\n',
      'WARN  source b: 7 messages dropped: buffer full (nats.buffer.max.messages: 1000); 7 in total connector=b dropped=7 total=7\n',
    ]);
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(lines[2]).toContain('source a: 499 messages dropped: buffer full (nats.buffer.max.messages: 1000); 500 in total');
    vi.advanceTimersByTime(5000); // nothing new: nothing written
    expect(lines).toHaveLength(3);
    log.add(event('a', 3, 503)); // quiet for a second: at once again
    expect(lines[3]).toContain('source a: 3 messages dropped');
    log.add(event('a', 2, 505));
    log.close(); // what is pending is written at the end
    expect(lines[4]).toContain('source a: 2 messages dropped: buffer full (nats.buffer.max.messages: 1000); 505 in total');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is what `run` and `connect` log from sluice:connector:dropped (logDiagnostics), flushed when they stop', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', format: 'text', stream: { write: (t: string) => lines.push(t) } });
    const stop = logDiagnostics(logger);
    channel('sluice:connector:dropped').publish(event('sensors-in', 1, 1));
    channel('sluice:connector:dropped').publish(event('sensors-in', 4, 5));
    stop();
    channel('sluice:connector:dropped').publish(event('sensors-in', 1, 6)); // unsubscribed
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('WARN  source sensors-in: 1 message dropped: buffer full');
    expect(lines[1]).toContain('source sensors-in: 4 messages dropped: buffer full (nats.buffer.max.messages: 1000); 5 in total');
  });
});
